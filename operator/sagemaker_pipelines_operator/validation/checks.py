"""Checks across documents: definitions, run parameters against their Pipeline, duplicate names.

Every rule here is one the operator (or SageMaker) would apply after merge; running it on the
pull request moves the failure to where it is cheap to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunSpec
from sagemaker_pipelines_operator.definition import check_run_parameters, declared_parameters
from sagemaker_pipelines_operator.definition.steps import iter_steps
from sagemaker_pipelines_operator.validation.documents import FieldPath
from sagemaker_pipelines_operator.validation.findings import Finding, Severity
from sagemaker_pipelines_operator.validation.manifest_set import ManifestSet
from sagemaker_pipelines_operator.validation.schema import MODELS, Resource
from sagemaker_pipelines_operator.validation.triggers import trigger_findings

_QUOTED = re.compile(r"'([^']*)'")


def validate_manifests(manifests: ManifestSet) -> list[Finding]:
    """Every finding: reading, schema, definitions and cross-document rules."""
    findings = list(manifests.findings)
    for resource in manifests.resources:
        if resource.kind == "Pipeline":
            findings.extend(manifests.definition(resource).findings)
    findings.extend(duplicate_objects(manifests))
    findings.extend(duplicate_sagemaker_names(manifests))
    findings.extend(run_on_change_parameters(manifests))
    findings.extend(run_parameters(manifests))
    findings.extend(trigger_findings(manifests))
    failed = any(f.severity == Severity.ERROR for f in findings)
    if manifests.documents and manifests.our_resource_count == 0 and not failed:
        first = manifests.documents[0]
        kinds = ", ".join(MODELS)
        findings.append(Finding(first.source, 1, Severity.ERROR, f"found no {kinds} in these manifests"))
    return findings


def duplicate_objects(manifests: ManifestSet) -> Iterator[Finding]:
    """The same kind/namespace/name twice: `kubectl apply` would keep only the last one."""
    first: dict[tuple[str, str | None, str | None], Resource] = {}
    for resource in manifests.resources:
        if resource.name is None:
            continue
        earlier = first.setdefault(resource.key, resource)
        if earlier is not resource:
            where = f"{earlier.doc.source}:{earlier.doc.line}"
            yield resource.finding(
                ("metadata", "name"), f"{resource.label} is defined twice (first at {where})"
            )


def duplicate_sagemaker_names(manifests: ManifestSet) -> Iterator[Finding]:
    """Two Pipelines naming the same SageMaker pipeline in one region would fight over it."""
    first: dict[tuple[str | None, str], Resource] = {}
    for resource, model in manifests.pipelines():
        name = model.spec.pipeline_name or resource.name
        if name is None:
            continue
        earlier = first.setdefault((model.spec.region, name), resource)
        if earlier is not resource and earlier.key != resource.key:
            path: FieldPath = ("spec", "pipelineName") if model.spec.pipeline_name else ("metadata", "name")
            where = f"{earlier.doc.source}:{earlier.doc.line}"
            message = (
                f"SageMaker pipeline '{name}' is also managed by {earlier.label} ({where}); "
                "two resources must not manage one pipeline"
            )
            yield resource.finding(path, message)


def run_on_change_parameters(manifests: ManifestSet) -> Iterator[Finding]:
    for resource, model in manifests.pipelines():
        if model.spec.run_on_change is None:
            continue
        definition = manifests.definition(resource).definition
        if definition is not None:
            base: FieldPath = ("spec", "runOnChange", "parameters")
            yield from _parameter_findings(resource, base, definition, model.spec.run_on_change.parameters)


def run_parameters(manifests: ManifestSet) -> Iterator[Finding]:
    """A PipelineRun's (or a schedule's run template's) parameters and steps against its Pipeline."""
    for run, run_model in manifests.runs():
        yield from _run_spec_findings(manifests, run, ("spec",), run_model.spec)
    for schedule, schedule_model in manifests.schedules():
        template = schedule_model.spec.run_template.spec
        if not schedule_model.spec.variants:
            base: FieldPath = ("spec", "runTemplate", "spec")
            yield from _run_spec_findings(manifests, schedule, base, template)
        for index, variant in enumerate(schedule_model.spec.variants):
            # Each arm runs the template with its own version and parameters: checked as it runs.
            arm = template.model_copy(
                update={
                    "pipeline_version": variant.pipeline_version or template.pipeline_version,
                    "parameters": {**template.parameters, **variant.parameters},
                }
            )
            yield from _run_spec_findings(manifests, schedule, ("spec", "variants", index), arm)


def _run_spec_findings(
    manifests: ManifestSet, owner: Resource, base: FieldPath, spec: PipelineRunSpec
) -> Iterator[Finding]:
    if spec.pipeline_ref is None:
        return
    pipeline = manifests.find("Pipeline", owner.namespace, spec.pipeline_ref.name)
    if pipeline is None:
        note = (
            f"Pipeline '{spec.pipeline_ref.name}' is not among these manifests; "
            "parameters are checked by the operator when the run starts"
        )
        yield owner.finding((*base, "pipelineRef", "name"), note, Severity.NOTICE)
        return
    if pipeline.model is None:
        return  # its own errors are already reported
    pinned = list(_pin_findings(owner, base, pipeline, spec))
    if pinned:
        yield from pinned
        return
    definition = manifests.definition(pipeline).definition
    if definition is None:
        return
    yield from _parameter_findings(owner, (*base, "parameters"), definition, spec.parameters)
    if spec.selective_execution is not None:
        names = {ref.name for ref in iter_steps(definition)}
        for index, step in enumerate(spec.selective_execution.steps):
            if step not in names:
                path = (*base, "selectiveExecution", "steps", index)
                yield owner.finding(path, f"Pipeline '{pipeline.name}' has no step '{step}'")


def _pin_findings(
    owner: Resource, base: FieldPath, pipeline: Resource, spec: PipelineRunSpec
) -> Iterator[Finding]:
    """A pin on a version other than the one in these manifests: an undeclared alias would make the
    run wait forever (error); another version's parameters are not here to check (notice)."""
    pin = spec.pipeline_version
    if pin is None or not isinstance(pipeline.model, Pipeline):
        return
    aliases = {alias.name: alias for alias in pipeline.model.spec.version_aliases}
    if pin.alias is not None and pin.alias not in aliases:
        declared = ", ".join(sorted(aliases)) or "none"
        message = f"Pipeline '{pipeline.name}' declares no version alias '{pin.alias}' (declared: {declared})"
        yield owner.finding((*base, "pipelineVersion", "alias"), message)
    elif pin.id is not None or aliases[str(pin.alias)].version_id is not None:
        note = (
            f"runs a pinned version of Pipeline '{pipeline.name}', not the definition in these manifests; "
            "its parameters are checked by SageMaker when the run starts"
        )
        yield owner.finding((*base, "pipelineVersion"), note, Severity.NOTICE)


def _parameter_findings(
    owner: Resource, base: FieldPath, definition: Mapping[str, object], given: Mapping[str, str]
) -> Iterator[Finding]:
    declared = declared_parameters(definition)
    for message in check_run_parameters(declared, given):
        # The messages name the parameter first; a given one is pointed at, a missing one at the map.
        match = _QUOTED.search(message)
        named = match.group(1) if match else None
        path: FieldPath = (*base, named) if named is not None and named in given else base
        yield owner.finding(path, message)

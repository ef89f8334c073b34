"""Checks of PipelineTriggers against the Pipelines they start and chain from (`smpo validate`).

Expressions and the one-source rule are checked by the model already; here the trigger's
parameters (from its run template and its JMESPath expressions) meet the Pipeline's declared ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sagemaker_pipelines_operator.api.trigger import PipelineTrigger
from sagemaker_pipelines_operator.definition import check_run_parameters, declared_parameters
from sagemaker_pipelines_operator.validation.documents import FieldPath
from sagemaker_pipelines_operator.validation.findings import Finding, Severity
from sagemaker_pipelines_operator.validation.manifest_set import ManifestSet
from sagemaker_pipelines_operator.validation.schema import Resource

_QUOTED = re.compile(r"'([^']*)'")
_TEMPLATE: FieldPath = ("spec", "runTemplate", "spec")


def trigger_findings(manifests: ManifestSet) -> Iterator[Finding]:
    for resource, model in manifests.triggers():
        yield from _parameter_findings(manifests, resource, model)
        yield from _upstream_findings(manifests, resource, model)


def _parameter_findings(
    manifests: ManifestSet, owner: Resource, trigger: PipelineTrigger
) -> Iterator[Finding]:
    template = trigger.spec.run_template.spec
    if template.pipeline_ref is None:
        return
    pipeline = manifests.find("Pipeline", owner.namespace, template.pipeline_ref.name)
    if pipeline is None:
        note = (
            f"Pipeline '{template.pipeline_ref.name}' is not among these manifests; "
            "parameters are checked by the operator when a run starts"
        )
        yield owner.finding((*_TEMPLATE, "pipelineRef", "name"), note, Severity.NOTICE)
        return
    definition = manifests.definition(pipeline).definition if pipeline.model is not None else None
    if definition is None:
        return
    declared = declared_parameters(definition)
    names = {p.name for p in declared}
    from_event = trigger.spec.parameters
    for name in from_event:
        if name not in names:
            known = ", ".join(sorted(names)) or "none"
            message = f"parameter '{name}' is not declared by Pipeline '{pipeline.name}' (declared: {known})"
            yield owner.finding(("spec", "parameters", name), message)
    given = template.parameters
    for message in check_run_parameters(declared, given):
        match = _QUOTED.search(message)
        named = match.group(1) if match else None
        if named in from_event and named not in given:
            continue  # a required parameter the event provides
        path: FieldPath = (*_TEMPLATE, "parameters")
        yield owner.finding((*path, named) if named in given else path, message)


def _upstream_findings(
    manifests: ManifestSet, owner: Resource, trigger: PipelineTrigger
) -> Iterator[Finding]:
    chained = trigger.spec.source.pipeline_run
    if chained is None:
        return
    if manifests.find("Pipeline", owner.namespace, chained.pipeline_ref.name) is None:
        note = (
            f"upstream Pipeline '{chained.pipeline_ref.name}' is not among these manifests; "
            "the trigger waits for its runs once it exists"
        )
        yield owner.finding(("spec", "source", "pipelineRun", "pipelineRef", "name"), note, Severity.NOTICE)

"""What applying the manifests would do in SageMaker, decided by the operator's own planner.

Pure: the live state is read beforehand (changes/observe.py). A Pipeline's action comes from
`reconcile.pipeline.plan_pipeline` with an empty status, i.e. as the operator sees a resource
applied for the first time, which is what a merge of a new commit looks like after resync.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.definition import (
    DefinitionError,
    declared_parameters,
    definition_diff,
    parse_definition,
    resolved_parameters,
)
from sagemaker_pipelines_operator.pipelines.plan.inputs import desired_pipeline, sagemaker_name
from sagemaker_pipelines_operator.pipelines.plan.pipeline import (
    SPEC_FIELD,
    DesiredPipeline,
    PipelineAction,
    Recorded,
    plan_pipeline,
)
from sagemaker_pipelines_operator.reconcile.live_pipeline import live_pipeline
from sagemaker_pipelines_operator.runs.plan.start import display_name
from sagemaker_pipelines_operator.validation import ManifestSet, Resource

LiveKey = tuple[str, str]
"""(region, SageMaker pipeline name)."""


@dataclass(frozen=True)
class Live:
    """One SageMaker pipeline as read: None description means it does not exist."""

    description: Mapping[str, Any] | None
    tags: Mapping[str, str] = field(default_factory=dict)
    executions: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Target:
    """Where a resource's SageMaker pipeline lives, named before anything is read."""

    region: str
    name: str

    @property
    def key(self) -> LiveKey:
        return (self.region, self.name)


@dataclass(frozen=True)
class SettingChange:
    field: str
    live: Any
    desired: Any


@dataclass
class PipelineChange:
    """The planned action for one Pipeline resource and what it would change."""

    resource: str
    file: str
    line: int
    target: Target
    action: str
    message: str = ""
    definition_diff: str = ""
    definition_compared: bool = True
    settings: list[SettingChange] = field(default_factory=list)
    tags_added: dict[str, str] = field(default_factory=dict)
    tags_removed: dict[str, str] = field(default_factory=dict)
    run_on_change: dict[str, str] | None = None
    """Parameters of the run `runOnChange` would start after this change, if it would."""

    @property
    def changes(self) -> bool:
        return self.action not in (PipelineAction.NONE, PipelineAction.REFUSE)


@dataclass
class RunChange:
    """Whether applying a PipelineRun would start an execution."""

    resource: str
    file: str
    line: int
    pipeline: str
    starts: bool
    reason: str
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class ChangeSet:
    pipelines: list[PipelineChange] = field(default_factory=list)
    runs: list[RunChange] = field(default_factory=list)

    @property
    def refused(self) -> list[PipelineChange]:
        return [p for p in self.pipelines if p.action == PipelineAction.REFUSE]


@dataclass(frozen=True)
class Context:
    """Operator settings the plan depends on (they must match the operator's to be right)."""

    region: str
    cluster_id: str
    namespace: str


def namespaced(resource: Resource, context: Context) -> str:
    return resource.namespace or context.namespace


def pipeline_target(resource: Resource, model: Pipeline, context: Context) -> Target:
    return Target(model.spec.region or context.region, sagemaker_name(model))


def run_target(manifests: ManifestSet, resource: Resource, model: PipelineRun, context: Context) -> Target:
    if model.spec.pipeline_name is not None:
        return Target(context.region, model.spec.pipeline_name)
    assert model.spec.pipeline_ref is not None  # exactly one of the two, per the model
    ref = model.spec.pipeline_ref.name
    pipeline = manifests.find("Pipeline", resource.namespace, ref)
    if pipeline is not None and isinstance(pipeline.model, Pipeline):
        return pipeline_target(pipeline, pipeline.model, context)
    return Target(context.region, ref)


def plan_changes(manifests: ManifestSet, live: Mapping[LiveKey, Live], context: Context) -> ChangeSet:
    """The change set; `live` must hold every target of `targets(manifests, context)`."""
    changes = ChangeSet()
    for resource, pipeline in manifests.pipelines():
        changes.pipelines.append(_pipeline_change(manifests, resource, pipeline, live, context))
    by_name = {p.resource: p for p in changes.pipelines}
    for resource, run in manifests.runs():
        changes.runs.append(_run_change(manifests, resource, run, live, context, pipelines=by_name))
    return changes


def targets(manifests: ManifestSet, context: Context) -> list[Target]:
    """Every SageMaker pipeline the plan needs to read, once each, in manifest order."""
    found = [pipeline_target(r, m, context) for r, m in manifests.pipelines()]
    return list(dict.fromkeys(found + run_targets(manifests, context)))


def run_targets(manifests: ManifestSet, context: Context) -> list[Target]:
    """The pipelines PipelineRuns would execute (their executions tell whether a run already ran)."""
    return list(dict.fromkeys(run_target(manifests, r, m, context) for r, m in manifests.runs()))


def _pipeline_change(
    manifests: ManifestSet,
    resource: Resource,
    model: Pipeline,
    live: Mapping[LiveKey, Live],
    context: Context,
) -> PipelineChange:
    target = pipeline_target(resource, model, context)
    observed = live[target.key]
    live_definition = _live_definition(observed)
    definition = manifests.definition(resource).definition
    compared = definition is not None
    metadata = {**model.metadata, "namespace": namespaced(resource, context)}
    pinned = model.model_copy(update={"metadata": metadata})
    desired = desired_pipeline(
        pinned,
        definition if definition is not None else (live_definition or {}),
        cluster_id=context.cluster_id,
        region=target.region,
    )
    current = live_pipeline(observed.description, observed.tags) if observed.description else None
    plan = plan_pipeline(desired, current, Recorded())
    change = PipelineChange(
        resource=_label(resource, context),
        file=resource.doc.source,
        line=resource.doc.line,
        target=target,
        action=str(plan.action),
        message=plan.message,
        definition_compared=compared,
    )
    if compared and ("PipelineDefinition" in plan.changed or current is None):
        change.definition_diff = definition_diff(live_definition, definition, "live", "desired")
    change.settings = _settings(desired, observed.description or {}, plan.changed, current is None)
    # CreatePipeline carries every tag; an update only the differences.
    change.tags_added = dict(desired.tags) if current is None else dict(plan.add_tags)
    change.tags_removed = {k: str(observed.tags.get(k, "")) for k in plan.delete_tags}
    new_definition = current is None or "PipelineDefinition" in plan.changed
    if model.spec.run_on_change is not None and new_definition and change.changes and definition is not None:
        declared = declared_parameters(definition)
        change.run_on_change = resolved_parameters(declared, model.spec.run_on_change.parameters)
    return change


def _live_definition(observed: Live) -> dict[str, Any] | None:
    text = (observed.description or {}).get("PipelineDefinition")
    if not text:
        return None
    try:
        return parse_definition(text, allow_yaml=False)
    except DefinitionError:
        return None


def _settings(
    desired: DesiredPipeline, description: Mapping[str, Any], changed: tuple[str, ...], creating: bool
) -> list[SettingChange]:
    wanted = {
        "RoleArn": desired.role_arn,
        "PipelineDisplayName": desired.display_name,
        "PipelineDescription": desired.description,
        "ParallelismConfiguration": desired.parallelism,
    }
    out = []
    for api_field, value in wanted.items():
        if not (api_field in changed or (creating and value is not None)):
            continue
        if api_field == "ParallelismConfiguration":
            live_value = (description.get(api_field) or {}).get("MaxParallelExecutionSteps")
        else:
            live_value = description.get(api_field)
        out.append(SettingChange(SPEC_FIELD[api_field], live_value, value))
    return out


def _run_change(
    manifests: ManifestSet,
    resource: Resource,
    model: PipelineRun,
    live: Mapping[LiveKey, Live],
    context: Context,
    *,
    pipelines: Mapping[str, PipelineChange],
) -> RunChange:
    target = run_target(manifests, resource, model, context)
    change = RunChange(
        _label(resource, context), resource.doc.source, resource.doc.line, target.name, False, ""
    )
    if model.spec.cancel:
        change.reason = "spec.cancel is true"
        return change
    execution_name = display_name(model)
    earlier = [
        e
        for e in live[target.key].executions
        if execution_name and e.get("PipelineExecutionDisplayName") == execution_name
    ]
    if earlier:
        latest = earlier[0]
        change.reason = (
            f"already ran: execution {latest.get('PipelineExecutionArn')} "
            f"({latest.get('PipelineExecutionStatus')}) carries its display name '{execution_name}'"
        )
        return change
    change.starts = True
    pipeline = (
        manifests.find("Pipeline", resource.namespace, model.spec.pipeline_ref.name)
        if model.spec.pipeline_ref
        else None
    )
    definition = (
        manifests.definition(pipeline).definition if pipeline is not None and pipeline.model else None
    )
    given = dict(model.spec.parameters)
    change.parameters = resolved_parameters(declared_parameters(definition), given) if definition else given
    if pipeline is None and model.spec.pipeline_ref is not None:
        change.reason = f"new run; Pipeline '{model.spec.pipeline_ref.name}' is not in these manifests"
    elif pipeline is not None:
        planned = pipelines.get(_label(pipeline, context))
        after = f" after the pipeline's {planned.action}" if planned and planned.changes else ""
        change.reason = f"new run; starts once Pipeline '{pipeline.name}' is Ready{after}"
    else:
        change.reason = "new run of an unmanaged SageMaker pipeline"
    return change


def _label(resource: Resource, context: Context) -> str:
    return f"{resource.kind} {namespaced(resource, context)}/{resource.name}"

"""A run's steps from SageMaker's "… Execution Step Status Change" events, without listing them
(decision 76).

The event's detail is a PipelineExecutionStep with camelCase keys (`stepName`,
`currentStepStatus`, `stepStartTime`, `stepEndTime`, `failureReason`, `metadata`,
`cacheHitResult`; the EventBridge schema `aws.sagemaker@SageMakerModelBuildingPipelineExecution
StepStatusChange`). It carries no attempt count and no ForEach iteration context, so:
- a step whose start time is newer than the known one is a new attempt whose count is unknown
  until a listing says it;
- a run with a ForEach step keeps listing its steps (children fold into their parent only from
  a listing, plan/fanout).
Events may arrive late, twice or out of order: one is taken only when it is news for its step
(`_is_news`), so a late `Executing` cannot undo a `Succeeded` a listing or an event wrote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sagemaker_pipelines_operator.api.pipelinerun import RunStep
from sagemaker_pipelines_operator.definition.step_types import STEP_TYPE_BY_METADATA_KEY
from sagemaker_pipelines_operator.runs.plan.steps import step_from_aws

_RANK = {"Starting": 0, "Executing": 1, "Stopping": 2, "Succeeded": 3, "Failed": 3, "Stopped": 3}
"""How far a step's status is along one attempt: a later event of the same attempt ranks higher."""
_KIND_BY_LOWER = {key.lower(): key for key in STEP_TYPE_BY_METADATA_KEY}
_FIELDS = {
    "stepName": "StepName",
    "currentStepStatus": "StepStatus",
    "stepStartTime": "StartTime",
    "stepEndTime": "EndTime",
    "failureReason": "FailureReason",
}


def step_entry(detail: Mapping[str, Any]) -> dict[str, Any] | None:
    """The event's detail as a ListPipelineExecutionSteps entry (botocore's keys), or None when
    it names no step or no status (then only a listing can tell)."""
    name, status = detail.get("stepName"), detail.get("currentStepStatus")
    if not isinstance(name, str) or not name or not isinstance(status, str) or status not in _RANK:
        return None
    entry: dict[str, Any] = {api: detail[key] for key, api in _FIELDS.items() if detail.get(key) is not None}
    metadata = detail.get("metadata")
    if isinstance(metadata, Mapping):
        entry["Metadata"] = {
            _KIND_BY_LOWER.get(str(kind).lower(), _pascal(str(kind))): _pascal_keys(value)
            for kind, value in metadata.items()
        }
    cache = detail.get("cacheHitResult")
    if isinstance(cache, Mapping):
        entry["CacheHitResult"] = _pascal_keys(cache)
    step_type = detail.get("stepType")
    if isinstance(step_type, str) and step_type:
        entry["EventStepType"] = step_type
    return entry


def wants_listing(known: Iterable[RunStep], entries: Iterable[Mapping[str, Any]]) -> bool:
    """Whether only a listing can give these steps: a ForEach step's children carry no parent in
    their events, so a run with a fan-out folds them from a listing."""
    return any(step.type == "ForEach" or step.for_each is not None for step in known) or any(
        entry.get("EventStepType") == "ForEach" or "ForEach" in (entry.get("Metadata") or {})
        for entry in entries
    )


def steps_with_events(known: Sequence[RunStep], entries: Iterable[Mapping[str, Any]]) -> list[RunStep]:
    """`known` with each event's step taken where it is news for that step, in start order."""
    steps = {step.name: step for step in known}
    for entry in entries:
        previous = steps.get(str(entry["StepName"]))
        step = _from_event(entry, previous)
        if previous is None or _is_news(step, previous):
            steps[step.name] = step
    return sorted(
        steps.values(), key=lambda s: (s.start_time.timestamp() if s.start_time else float("inf"), s.name)
    )


def _from_event(entry: Mapping[str, Any], previous: RunStep | None) -> RunStep:
    step = step_from_aws(entry, previous)
    same_attempt = previous is not None and (
        step.start_time is None or previous.start_time is None or step.start_time == previous.start_time
    )
    update: dict[str, Any] = {"attempt": previous.attempt if same_attempt and previous else None}
    if step.type is None and entry.get("EventStepType"):
        update["type"] = str(entry["EventStepType"])
    if previous is not None and same_attempt:  # what this event does not repeat stays known
        update |= {
            "start_time": step.start_time or previous.start_time,
            "job_arn": step.job_arn or previous.job_arn,
            "outputs": step.outputs or previous.outputs,
        }
    return step.model_copy(update=update)


def _is_news(step: RunStep, known: RunStep) -> bool:
    """A later attempt (a newer start time), or further along the same attempt."""
    if step.start_time is not None and known.start_time is not None and step.start_time != known.start_time:
        return step.start_time > known.start_time
    return _RANK.get(step.status, -1) > _RANK.get(known.status, -1)


def _pascal(key: str) -> str:
    return key[:1].upper() + key[1:]


def _pascal_keys(value: Any) -> Any:
    """Event JSON (`processingJob.arn`) in botocore's spelling (`ProcessingJob.Arn`)."""
    if isinstance(value, Mapping):
        return {_pascal(str(k)): _pascal_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal_keys(v) for v in value]
    return value

"""Steps of an execution as the run's status shows them: parsed from ListPipelineExecutionSteps,
summarised ("4/7"), and the failure reason that names the failing step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.api.pipelinerun import STEP_OUTPUTS_MAX, RunStep
from sagemaker_pipelines_operator.definition.step_types import STEP_TYPE_BY_METADATA_KEY
from sagemaker_pipelines_operator.runs.plan.fanout import (
    fan_out_failure,
    fan_out_summary,
    for_each_progress,
    split_iterations,
)

# The values are the definition's `Type` spellings, so the status reads like the definition.
_TYPE_BY_METADATA_KEY = STEP_TYPE_BY_METADATA_KEY

# Metadata keys whose ARN lives under another key than "Arn".
_ARN_KEYS = ("Arn", "ModelPackageArn", "JobArn")


def step_from_aws(entry: Mapping[str, Any], previous: RunStep | None = None) -> RunStep:
    """One PipelineExecutionStep (botocore shape) as a RunStep; keeps a type learned earlier,
    since SageMaker fills Metadata only once the step's job exists."""
    metadata: Mapping[str, Any] = entry.get("Metadata") or {}
    kind = next((key for key in metadata if key in _TYPE_BY_METADATA_KEY), None)
    details: Mapping[str, Any] = metadata.get(kind) or {} if kind else {}
    job_arn = next((str(details[k]) for k in _ARN_KEYS if details.get(k)), None)
    outcome = details.get("Outcome") if kind == "Condition" else None
    outputs = {
        str(p.get("Name")): str(p.get("Value", ""))
        for p in details.get("OutputParameters") or ()
        if isinstance(p, Mapping) and p.get("Name")
    }
    failure = entry.get("FailureReason") or (details.get("ErrorMessage") if kind == "Fail" else None)
    return RunStep(
        name=str(entry.get("StepName", "")),
        type=_TYPE_BY_METADATA_KEY[kind] if kind else previous.type if previous else None,
        status=str(entry.get("StepStatus", "Starting")),
        start_time=_moment(entry.get("StartTime")),
        end_time=_moment(entry.get("EndTime")),
        attempt=int(entry["AttemptCount"]) if entry.get("AttemptCount") is not None else None,
        failure_reason=str(failure) if failure else None,
        job_arn=job_arn,
        condition_outcome=str(outcome) if outcome is not None else None,
        outputs=dict(list(outputs.items())[:STEP_OUTPUTS_MAX]),
    )


def steps_from_aws(entries: Iterable[Mapping[str, Any]], previous: Iterable[RunStep] = ()) -> list[RunStep]:
    """Steps in start order. A retried step appears once per attempt in SageMaker's list; the
    status keeps its latest attempt only. ForEach children are folded into their ForEach step."""
    known = {step.name: step for step in previous}
    top, children = split_iterations(entries)
    latest: dict[str, RunStep] = {}
    for entry in top:
        step = step_from_aws(entry, known.get(str(entry.get("StepName", ""))))
        if step.type == "ForEach" or step.name in children:
            progress = for_each_progress(entry, children.get(step.name, []))
            failure = fan_out_failure(step.failure_reason, progress) if step.status == "Failed" else None
            step = step.model_copy(update={"for_each": progress, "failure_reason": failure})
        current = latest.get(step.name)
        if current is None or _started(step) >= _started(current):
            latest[step.name] = step
    return sorted(latest.values(), key=lambda s: (_started(s), s.name))


def step_summary(steps: Iterable[RunStep]) -> str:
    """Succeeded steps / steps SageMaker has reported so far, e.g. "4/7", then each fan-out's
    succeeded / total child steps: "2/3, PerRegion 480/500"."""
    listed = list(steps)
    done = sum(1 for step in listed if step.status == "Succeeded")
    fan_outs = [fan_out_summary(step.name, step.for_each) for step in listed if step.for_each is not None]
    return ", ".join([f"{done}/{len(listed)}", *fan_outs])


def failed_by_fail_step(steps: Iterable[RunStep]) -> RunStep | None:
    """The Fail step that ended the execution, if any (RetryPipelineExecution refuses those)."""
    return next((s for s in steps if s.type == "Fail" and s.status == "Failed"), None)


def failure_reason(steps: Iterable[RunStep], execution_reason: str | None) -> str:
    """Why the execution failed, naming the failing step (the earliest to end) when one failed."""
    failed = sorted((s for s in steps if s.status == "Failed"), key=lambda s: (_ended(s), s.name))
    if not failed:
        return execution_reason or "the execution failed (SageMaker gave no reason)"
    first = failed[0]
    kind = f" ({first.type})" if first.type else ""
    reason = first.failure_reason or execution_reason or "no reason given"
    more = f" (and {len(failed) - 1} more failed step(s))" if len(failed) > 1 else ""
    return f"step '{first.name}'{kind} failed: {reason}{more}"


def last_end_time(steps: Iterable[RunStep]) -> datetime | None:
    ends = [s.end_time for s in steps if s.end_time is not None]
    return max(ends) if ends else None


def _started(step: RunStep) -> float:
    return step.start_time.timestamp() if step.start_time else float("inf")


def _ended(step: RunStep) -> float:
    moment = step.end_time or step.start_time
    return moment.timestamp() if moment else float("inf")


def _moment(value: Any) -> datetime | None:
    """botocore gives datetimes; scenario files may give RFC 3339 strings."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))

"""ForEach fan-outs in a run's status: child steps (those with an IterationContext) are folded
into their ForEach step as counts, so a 500-item fan-out is one status entry, not 500."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sagemaker_pipelines_operator.api.pipelinerun import FailedIteration, ForEachProgress

MAX_FAILED_ITERATIONS = 5
_ITEM_CHARS = 64
_RUNNING = ("Starting", "Executing", "Stopping")


def split_iterations(
    entries: Iterable[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], dict[str, list[Mapping[str, Any]]]]:
    """(entries of graph steps, ForEach step name -> its children's entries)."""
    top: list[Mapping[str, Any]] = []
    children: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        context = entry.get("IterationContext")
        parent = context.get("ParentStepName") if isinstance(context, Mapping) else None
        if parent:
            children.setdefault(str(parent), []).append(entry)
        else:
            top.append(entry)
    return top, children


def _latest_attempts(children: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    latest: dict[str, Mapping[str, Any]] = {}
    for entry in children:
        name = str(entry.get("StepName", ""))
        current = latest.get(name)
        if current is None or (entry.get("AttemptCount") or 0) >= (current.get("AttemptCount") or 0):
            latest[name] = entry
    return list(latest.values())


def for_each_progress(parent: Mapping[str, Any], children: Iterable[Mapping[str, Any]]) -> ForEachProgress:
    """The parent's ForEachStepMetadata where SageMaker gives it, the listed children otherwise."""
    metadata: Mapping[str, Any] = (parent.get("Metadata") or {}).get("ForEach") or {}
    listed = _latest_attempts(children)
    statuses = [str(entry.get("StepStatus", "")) for entry in listed]
    indexes = {(entry.get("IterationContext") or {}).get("Index") for entry in listed}

    def counted(key: str, status: str) -> int:
        value = metadata.get(key)
        return int(value) if value is not None else statuses.count(status)

    selector = metadata.get("Selector")
    selected = None
    if isinstance(selector, Mapping) and selector.get("StepName") is not None:
        selected = f"{selector['StepName']}-{selector.get('Index')}"
    return ForEachProgress(
        items=int(metadata.get("InputItemCount") or len(indexes)),
        total_steps=int(metadata.get("TotalStepCount") or len(listed)),
        succeeded_steps=counted("SucceededStepCount", "Succeeded"),
        running_steps=sum(1 for status in statuses if status in _RUNNING),
        failed_steps=counted("FailedStepCount", "Failed"),
        stopped_steps=counted("StoppedStepCount", "Stopped"),
        selected=selected,
        failed_iterations=_failed(listed),
    )


def _failed(listed: list[Mapping[str, Any]]) -> list[FailedIteration]:
    failed = [entry for entry in listed if entry.get("StepStatus") == "Failed"]
    failed.sort(
        key=lambda entry: ((entry.get("IterationContext") or {}).get("Index") or 0, entry.get("StepName"))
    )
    result = []
    for entry in failed[:MAX_FAILED_ITERATIONS]:
        context = entry.get("IterationContext") or {}
        item = context.get("Item")
        result.append(
            FailedIteration(
                name=str(entry.get("StepName", "")),
                index=context.get("Index"),
                item=str(item)[:_ITEM_CHARS] if item is not None else None,
                failure_reason=entry.get("FailureReason"),
            )
        )
    return result


def fan_out_failure(reason: str | None, progress: ForEachProgress) -> str | None:
    """The ForEach step's failure reason, naming its first failed child."""
    if not progress.failed_iterations:
        return reason
    first = progress.failed_iterations[0]
    child = f"'{first.name}' (item {first.item!r}): {first.failure_reason or 'no reason given'}"
    return f"{reason}; first failed: {child}" if reason else f"child step {child}"


def fan_out_summary(name: str, progress: ForEachProgress) -> str:
    """`PerRegion 480/500`: succeeded child steps of one fan-out."""
    return f"{name} {progress.succeeded_steps}/{progress.total_steps}"

"""The pipelineRun source (chaining): finished runs of the upstream Pipeline as trigger events.

Pure. An upstream run is an event once it reached one of the trigger's phases after the trigger
was created. Both times have second precision, so a completion in the trigger's creation second is
told apart by `baseline`: the UIDs of upstream runs already finished in that second when the
trigger first looked (kept in status) were before it, any other finish in that second is after it.
`watermark` (the latest upstream completion already handled, kept in status) keeps a restart or a
pruned downstream run from starting the same chain twice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.api.trigger import PipelineRunSource
from sagemaker_pipelines_operator.triggers.envelopes import TriggerEvent, event_time

Run = Mapping[str, Any]


def upstream_events(
    source: PipelineRunSource,
    runs: Iterable[Run],
    created: datetime | None,
    watermark: datetime | None = None,
    baseline: Collection[str] = (),
) -> list[TriggerEvent]:
    """Events for upstream runs that completed in a wanted phase after the trigger was `created`
    (in its creation second: unless in `baseline`) and not before `watermark`, oldest first."""
    events = []
    for run, completed in _finished(source, runs):
        meta, second = run.get("metadata") or {}, completed.replace(microsecond=0)
        if created is not None and (second < created or (second == created and meta.get("uid") in baseline)):
            continue
        if watermark is not None and completed < watermark:
            continue
        status = run.get("status") or {}
        event_id = f"pipelineRun:{meta.get('uid')}"
        events.append(
            TriggerEvent(
                id=event_id,
                time=completed,
                document={
                    "id": event_id,
                    "time": status.get("completionTime"),
                    "source": "pipelineRun",
                    "run": dict(run),
                },
                detail=f"PipelineRun {meta.get('name')} {status.get('phase')}",
            )
        )
    return sorted(events, key=lambda e: (e.time.timestamp() if e.time else 0.0, e.id))


def creation_second_baseline(
    source: PipelineRunSource, runs: Iterable[Run], created: datetime | None
) -> list[str]:
    """UIDs of the upstream runs that, at the trigger's first look, had finished in a wanted phase
    within its creation second: they count as before the trigger, later finishes as after it."""
    if created is None:
        return []
    return sorted(
        str((run.get("metadata") or {}).get("uid"))
        for run, completed in _finished(source, runs)
        if completed.replace(microsecond=0) == created
    )


def _finished(source: PipelineRunSource, runs: Iterable[Run]) -> Iterator[tuple[Run, datetime]]:
    """The upstream Pipeline's runs in one of the source's phases, with their completion times."""
    phases = {p.value for p in source.phases}
    for run in runs:
        spec, status = run.get("spec") or {}, run.get("status") or {}
        if (spec.get("pipelineRef") or {}).get("name") != source.pipeline_ref.name:
            continue
        completed = event_time(status.get("completionTime"))
        if status.get("phase") in phases and completed is not None:
            yield run, completed

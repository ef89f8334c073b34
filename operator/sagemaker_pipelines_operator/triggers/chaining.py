"""The pipelineRun source (chaining): finished runs of the upstream Pipeline as trigger events.

Pure. An upstream run is an event once it reached one of the trigger's phases after the trigger
was created; `watermark` (the latest upstream completion already handled, kept in status) keeps a
restart or a pruned downstream run from starting the same chain twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.api.trigger import PipelineRunSource
from sagemaker_pipelines_operator.triggers.envelopes import TriggerEvent, event_time


def upstream_events(
    source: PipelineRunSource,
    runs: Iterable[Mapping[str, Any]],
    created: datetime | None,
    watermark: datetime | None = None,
) -> list[TriggerEvent]:
    """Events for upstream runs that completed in a wanted phase after the trigger was `created`
    (a completion in its creation second counts as before: both have second precision) and not
    before `watermark`, oldest first."""
    phases = {p.value for p in source.phases}
    events = []
    for run in runs:
        spec, status = run.get("spec") or {}, run.get("status") or {}
        if (spec.get("pipelineRef") or {}).get("name") != source.pipeline_ref.name:
            continue
        completed = event_time(status.get("completionTime"))
        if status.get("phase") not in phases or completed is None:
            continue
        if (created is not None and completed <= created) or (
            watermark is not None and completed < watermark
        ):
            continue
        meta = run.get("metadata") or {}
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

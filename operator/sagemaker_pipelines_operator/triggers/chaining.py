"""The pipelineRun source (chaining): finished runs of the upstream Pipeline as trigger events.

Pure. An upstream run is an event once it reached one of the trigger's phases after the trigger
was created. Both times have second precision, so a completion in the trigger's creation second is
told apart by `baseline`: the UIDs of upstream runs already finished in that second when the
trigger first looked (kept in status) were before it, any other finish in that second is after it.
`watermark` (the latest upstream completion already handled, kept in status) keeps a restart or a
pruned downstream run from starting the same chain twice. With `join`, the variants of one
scheduled time of a PipelineSchedule (champion/challenger) make one event once all have finished.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.api.schedule import (
    SCHEDULE_UID_LABEL,
    SCHEDULED_TIME_ANNOTATION,
    VARIANT_LABEL,
)
from sagemaker_pipelines_operator.api.trigger import PipelineRunSource
from sagemaker_pipelines_operator.reconcile.envelopes import TriggerEvent, event_time

Run = Mapping[str, Any]


def upstream_events(
    source: PipelineRunSource,
    runs: Iterable[Run],
    created: datetime | None,
    watermark: datetime | None = None,
    baseline: Collection[str] = (),
) -> list[TriggerEvent]:
    """Events for upstream runs that completed in a wanted phase after the trigger was `created`
    (in its creation second: unless in `baseline`) and not before `watermark`, oldest first.
    With `join`, an event is one scheduled time's variants, all finished; its time and its place
    in `baseline` are those of the variant that finished last."""
    events = []
    for candidate in _candidates(source, runs):
        second = candidate.completed.replace(microsecond=0)
        if created is not None and (second < created or (second == created and candidate.uid in baseline)):
            continue
        if watermark is not None and candidate.completed < watermark:
            continue
        events.append(candidate.event)
    return sorted(events, key=lambda e: (e.time.timestamp() if e.time else 0.0, e.id))


def creation_second_baseline(
    source: PipelineRunSource, runs: Iterable[Run], created: datetime | None
) -> list[str]:
    """UIDs of the upstream runs that, at the trigger's first look, had finished in a wanted phase
    within its creation second: they count as before the trigger, later finishes as after it."""
    if created is None:
        return []
    return sorted(c.uid for c in _candidates(source, runs) if c.completed.replace(microsecond=0) == created)


@dataclass(frozen=True)
class _Candidate:
    event: TriggerEvent
    completed: datetime
    uid: str
    """The run whose finish made the event (for a join: the variant that finished last)."""


def _candidates(source: PipelineRunSource, runs: Iterable[Run]) -> list[_Candidate]:
    finished = list(_finished(source, runs))
    if source.join is not None:
        return _joined(source.join.variants, finished)
    return [_single(run, completed) for run, completed in finished]


def _single(run: Run, completed: datetime) -> _Candidate:
    meta, status = run.get("metadata") or {}, run.get("status") or {}
    event_id = f"pipelineRun:{meta.get('uid')}"
    document = {
        "id": event_id,
        "time": status.get("completionTime"),
        "source": "pipelineRun",
        "run": dict(run),
    }
    detail = f"PipelineRun {_named_phase(run)}"
    return _Candidate(
        TriggerEvent(id=event_id, time=completed, document=document, detail=detail), completed, _uid(run)
    )


def _joined(variants: Sequence[str], finished: Iterable[tuple[Run, datetime]]) -> list[_Candidate]:
    """One candidate per scheduled time of a schedule whose named variants all finished."""
    groups: dict[tuple[str, str], dict[str, tuple[Run, datetime]]] = {}
    for run, completed in finished:
        meta = run.get("metadata") or {}
        labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
        variant, schedule = labels.get(VARIANT_LABEL), labels.get(SCHEDULE_UID_LABEL)
        scheduled = annotations.get(SCHEDULED_TIME_ANNOTATION)
        if isinstance(variant, str) and variant in variants and schedule and scheduled:
            group = groups.setdefault((str(schedule), str(scheduled)), {})
            if variant not in group or completed > group[variant][1]:
                group[variant] = (run, completed)
    candidates = []
    for (schedule, scheduled), members in groups.items():
        if len(members) < len(variants):
            continue
        last_run, completed = max(members.values(), key=lambda m: m[1])
        event_id = f"pipelineRun:join:{schedule}:{scheduled}"
        document = {
            "id": event_id,
            "time": (last_run.get("status") or {}).get("completionTime"),
            "source": "pipelineRun",
            "scheduledTime": scheduled,
            "runs": {v: dict(members[v][0]) for v in variants},
            "run": dict(last_run),
        }
        detail = "PipelineRuns " + ", ".join(_named_phase(members[v][0]) for v in variants)
        event = TriggerEvent(id=event_id, time=completed, document=document, detail=detail)
        candidates.append(_Candidate(event, completed, _uid(last_run)))
    return candidates


def _named_phase(run: Run) -> str:
    return f"{(run.get('metadata') or {}).get('name')} {(run.get('status') or {}).get('phase')}"


def _uid(run: Run) -> str:
    return str((run.get("metadata") or {}).get("uid"))


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

"""The PipelineSchedule decision, CronJob-style: which scheduled time is due, whether concurrency
allows a run for it, which runs to cancel or delete, and the schedule's new status.

Pure: the clock is a parameter, so tests move time freely. A run's name is a function of the
schedule and its scheduled time, so a restart can never create a second run for the same time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import K8S_NAME_MAX, dump, rfc3339
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.api.schedule import (
    SCHEDULE_UID_LABEL,
    SCHEDULED_TIME_ANNOTATION,
    VARIANT_LABEL,
    ActiveRun,
    PipelineSchedule,
    PipelineScheduleStatus,
    RunVariant,
)
from sagemaker_pipelines_operator.reconcile.verdict import Event, Verdict, apply_verdict, ready, requeue_of

STALLED_SLEEP_SECONDS = 3600.0
"""A schedule that is blocked (an invalid spec) sleeps until its spec changes (which wakes it)."""


@dataclass(frozen=True)
class ScheduledRun:
    """A PipelineRun this schedule owns, reduced to what scheduling needs."""

    name: str
    scheduled_time: datetime | None
    phase: PipelineRunPhase | None
    completion_time: datetime | None = None
    cancel: bool = False

    @property
    def finished(self) -> bool:
        return self.phase is not None and self.phase.finished


@dataclass(frozen=True)
class SchedulePlan:
    status: PipelineScheduleStatus
    create: tuple[dict[str, Any], ...] = ()
    """The PipelineRun manifests to create (owned by the schedule): one, or one per variant."""
    cancel: tuple[str, ...] = ()
    """Active runs to cancel (concurrencyPolicy Replace)."""
    delete: tuple[str, ...] = ()
    """Finished runs beyond the history limits."""
    events: tuple[Event, ...] = ()
    wake_after: float = 60.0
    """Seconds until the next scheduled time."""


def run_name(schedule_name: str, scheduled: datetime, variant: str | None = None) -> str:
    """`<schedule>-<minutes since the epoch>[-<variant>]`, like CronJob's Jobs: unique per
    scheduled time (and variant)."""
    suffix = str(int(scheduled.timestamp()) // 60) + (f"-{variant}" if variant else "")
    return f"{schedule_name[: K8S_NAME_MAX - len(suffix) - 1]}-{suffix}"


def run_names(schedule: PipelineSchedule, scheduled: datetime) -> list[str]:
    """The runs one scheduled time creates: one, or one per variant."""
    variants: list[str | None] = [v.name for v in schedule.spec.variants] or [None]
    return [run_name(_name(schedule), scheduled, variant) for variant in variants]


def schedule_times(expression: str, zone: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The latest scheduled time at or before `now`, and the first after it (both UTC-aware)."""
    local = now.astimezone(ZoneInfo(zone or "UTC"))
    # croniter's get_prev is strictly before its start; a second later includes `now` itself.
    previous: datetime = croniter(expression, local + timedelta(seconds=1)).get_prev(datetime)
    following: datetime = croniter(expression, local).get_next(datetime)
    return previous.astimezone(now.tzinfo), following.astimezone(now.tzinfo)


def plan_schedule(schedule: PipelineSchedule, runs: Sequence[ScheduledRun], now: datetime) -> SchedulePlan:
    spec, before = schedule.spec, schedule.status
    latest_due, next_time = schedule_times(spec.schedule, spec.time_zone, now)
    status = before.model_copy(deep=True)
    status.next_schedule_time = next_time
    events: list[Event] = []
    create: list[dict[str, Any]] = []
    cancel: list[str] = []
    due, already_created = _due(schedule, latest_due, runs)
    # A scheduled time's own runs (some created before a restart) never block or replace the rest.
    own = set(run_names(schedule, due)) if due is not None else set()
    active = [r for r in runs if not r.finished and r.name not in own]
    if due is not None and already_created:
        status.last_schedule_time = due  # created before a restart lost the status write
    elif due is not None and not spec.suspend:
        deadline = spec.starting_deadline_seconds
        if deadline is not None and (now - due).total_seconds() > deadline:
            status.last_skipped_time = due
            events.append(
                Event(
                    "Warning",
                    c.SKIPPED,
                    f"missed {rfc3339(due)} by more than startingDeadlineSeconds={deadline}",
                )
            )
        elif active and spec.concurrency_policy == "Forbid":
            status.last_skipped_time = due
            names = ", ".join(r.name for r in active)
            events.append(
                Event("Normal", c.SKIPPED, f"skipped {rfc3339(due)}: {names} still active (Forbid)")
            )
        else:
            if spec.concurrency_policy == "Replace":
                cancel = [r.name for r in active if not r.cancel]
                events.extend(
                    Event("Normal", c.RUN_REPLACED, f"cancelling {n} to replace it") for n in cancel
                )
            existing = {r.name for r in runs}  # arms created before a restart lost the status write
            create = [m for m in run_manifests(schedule, due) if m["metadata"]["name"] not in existing]
            status.last_schedule_time = due
            names = ", ".join(m["metadata"]["name"] for m in create)
            events.append(Event("Normal", c.RUN_CREATED, f"created {names} for {rfc3339(due)}"))
    delete = _beyond_history(schedule, runs)
    events.extend(Event("Normal", c.RUN_DELETED, f"deleted {n} (history limit)") for n in delete)
    created = {m["metadata"]["name"] for m in create}
    still = [r for r in runs if not r.finished and r.name not in delete and r.name not in created]
    status.active = [ActiveRun(name=r.name) for r in still]
    status.active.extend(ActiveRun(name=m["metadata"]["name"]) for m in create)
    status.last_successful_time = _last_success(before.last_successful_time, runs)
    status, became = _with_conditions(schedule, status, now)
    if became is not None:
        events.insert(0, became)
    wake = max(1.0, (next_time - now).total_seconds())
    return SchedulePlan(status, tuple(create), tuple(cancel), tuple(delete), tuple(events), wake)


def _name(schedule: PipelineSchedule) -> str:
    return str(schedule.metadata.get("name", "schedule"))


def _due(
    schedule: PipelineSchedule, latest_due: datetime, runs: Sequence[ScheduledRun]
) -> tuple[datetime | None, bool]:
    """The scheduled time to act on (the latest one not handled yet: at most one catch-up), and
    whether its run exists already."""
    status = schedule.status
    handled = [t for t in (status.last_schedule_time, status.last_skipped_time) if t is not None]
    since = max(handled) if handled else _created(schedule)
    if since is not None and latest_due <= since:
        return None, False
    existing = {r.name for r in runs}
    return latest_due, all(name in existing for name in run_names(schedule, latest_due))


def _created(schedule: PipelineSchedule) -> datetime | None:
    raw = schedule.metadata.get("creationTimestamp")
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw
    return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))


def run_manifests(schedule: PipelineSchedule, scheduled: datetime) -> list[dict[str, Any]]:
    """The PipelineRuns for `scheduled`: the template's run, or one per variant."""
    if not schedule.spec.variants:
        return [run_manifest(schedule, scheduled)]
    return [run_manifest(schedule, scheduled, variant) for variant in schedule.spec.variants]


def run_manifest(
    schedule: PipelineSchedule, scheduled: datetime, variant: RunVariant | None = None
) -> dict[str, Any]:
    """The PipelineRun for `scheduled` (and `variant`): the template, owned by the schedule,
    labelled to be found."""
    meta = schedule.metadata
    template = schedule.spec.run_template
    spec = dump(template.spec)
    labels = {**template.metadata.labels, SCHEDULE_UID_LABEL: str(meta.get("uid", ""))}
    if variant is not None:
        labels[VARIANT_LABEL] = variant.name
        if variant.pipeline_version is not None:
            spec["pipelineVersion"] = dump(variant.pipeline_version)
        if variant.parameters:
            spec["parameters"] = {**spec.get("parameters", {}), **variant.parameters}
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineRun",
        "metadata": {
            "name": run_name(_name(schedule), scheduled, variant.name if variant else None),
            "namespace": meta.get("namespace"),
            "labels": labels,
            "annotations": {**template.metadata.annotations, SCHEDULED_TIME_ANNOTATION: rfc3339(scheduled)},
            "ownerReferences": [
                {
                    "apiVersion": f"{GROUP}/{VERSION}",
                    "kind": "PipelineSchedule",
                    "name": _name(schedule),
                    "uid": str(meta.get("uid", "")),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": spec,
    }


def _beyond_history(schedule: PipelineSchedule, runs: Sequence[ScheduledRun]) -> list[str]:
    """Finished runs beyond the limits, oldest scheduled times first to go. The limits count
    scheduled times, so a champion/challenger pair is kept or deleted together."""
    spec = schedule.spec
    finished = sorted(
        (r for r in runs if r.finished),
        key=lambda r: (r.scheduled_time.timestamp() if r.scheduled_time else 0.0, r.name),
        reverse=True,
    )
    succeeded = [r for r in finished if r.phase == PipelineRunPhase.SUCCEEDED]
    unsuccessful = [r for r in finished if r.phase != PipelineRunPhase.SUCCEEDED]
    return _beyond(succeeded, spec.successful_runs_history_limit) + _beyond(
        unsuccessful, spec.failed_runs_history_limit
    )


def _beyond(newest_first: Sequence[ScheduledRun], limit: int) -> list[str]:
    """The runs after the first `limit` scheduled times (a run without one counts on its own)."""
    kept: set[object] = set()
    beyond = []
    for run in newest_first:
        key = run.scheduled_time or run.name
        if key not in kept and len(kept) < limit:
            kept.add(key)
        if key not in kept:
            beyond.append(run.name)
    return beyond


def _last_success(previous: datetime | None, runs: Sequence[ScheduledRun]) -> datetime | None:
    times = [r.completion_time for r in runs if r.phase == PipelineRunPhase.SUCCEEDED and r.completion_time]
    if previous is not None:
        times.append(previous)
    return max(times) if times else None


def _with_conditions(
    schedule: PipelineSchedule, status: PipelineScheduleStatus, now: datetime
) -> tuple[PipelineScheduleStatus, Event | None]:
    """Ready (Scheduled or Suspended) and the Event when that changes (first sight included)."""
    generation = schedule.metadata.get("generation")
    if schedule.spec.suspend:
        verdict = ready(c.SUSPENDED, "suspended: no runs are created")
    else:
        nxt = rfc3339(status.next_schedule_time) if status.next_schedule_time else "never"
        verdict = ready(c.SCHEDULED, f"next run at {nxt}")
    conditions, event = apply_verdict(status.conditions, verdict, generation=generation, now=now)
    updated = status.model_copy(update={"conditions": conditions, "observed_generation": generation})
    return updated, event


def sleep_after(verdict: Verdict, poll_max_seconds: float) -> float:
    """How long a schedule whose pass failed sleeps: a block until its spec changes (which wakes
    it), anything else until its requeue, at most the slowest poll cadence."""
    requeue = requeue_of(verdict, default_retry=poll_max_seconds)
    if requeue is None:
        return STALLED_SLEEP_SECONDS
    return min(requeue.after, poll_max_seconds)

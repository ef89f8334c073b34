"""PipelineSchedule handlers: one kopf daemon per schedule sleeps until the next scheduled time
(or until its spec changes or one of its runs finishes), then applies `plan_schedule`: create
the run, cancel replaced runs, delete runs beyond the history limits, write the status."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import kopf
from pydantic import ValidationError

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.api.schedule import (
    SCHEDULE_UID_LABEL,
    SCHEDULED_TIME_ANNOTATION,
    PipelineSchedule,
    PipelineScheduleStatus,
)
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled
from sagemaker_pipelines_operator.reconcile.verdict import Verdict, compute_outcome, verdict_for_error
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects, KubeObjects, ObjectRef, status_patch
from sagemaker_pipelines_operator.runtime.outcome import parse_error, reconcile_pass
from sagemaker_pipelines_operator.schedules.plan import (
    ScheduledRun,
    SchedulePlan,
    plan_schedule,
    sleep_after,
)

KIND = "PipelineSchedule"
PLURAL = "pipelineschedules"
RUNS = "pipelineruns"
Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


class Wakers:
    """Per-schedule asyncio events, settable from any thread (the run poller's included)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}

    def add(self, uid: str) -> asyncio.Event:
        event = asyncio.Event()
        with self._lock:
            self._events[uid] = (asyncio.get_running_loop(), event)
        return event

    def remove(self, uid: str) -> None:
        with self._lock:
            self._events.pop(uid, None)

    def wake(self, uid: str) -> None:
        with self._lock:
            entry = self._events.get(uid)
        if entry is not None:
            entry[0].call_soon_threadsafe(entry[1].set)


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    wakers = Wakers()
    clock: Clock = ctx.now
    kube = ApiServerObjects(ctx)

    def run_finished(run: PipelineRun) -> None:
        uid = (run.metadata.get("labels") or {}).get(SCHEDULE_UID_LABEL)
        if uid:
            wakers.wake(uid)

    ctx.run_finished.append(run_finished)

    @kopf.daemon(GROUP, PLURAL, registry=registry, cancellation_timeout=5.0)
    async def schedule_loop(body: kopf.Body, stopped: kopf.DaemonStopped, **__: Any) -> None:
        uid = str(body["metadata"]["uid"])
        wake = wakers.add(uid)
        try:
            while not stopped:
                wake.clear()
                delay = await asyncio.to_thread(
                    schedule_pass, kube, dict(body), clock, ctx.settings.poll_max_seconds
                )
                waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stopped.wait())]
                _done, pending = await asyncio.wait(
                    waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in pending:
                    waiter.cancel()
        finally:
            wakers.remove(uid)

    @kopf.on.update(GROUP, PLURAL, field="spec", registry=registry)
    async def spec_changed(body: kopf.Body, **_: Any) -> None:
        wakers.wake(str(body["metadata"]["uid"]))


def schedule_pass(kube: KubeObjects, body: dict[str, Any], clock: Clock, poll_max_seconds: float) -> float:
    """One pass; returns the seconds to sleep. Never raises: a daemon that dies stops scheduling.
    What stops a pass is written as conditions (and an Event), like every other kind's errors."""
    with reconcile_pass(KIND) as record:
        try:
            schedule = PipelineSchedule.model_validate(body)
            plan = plan_schedule(schedule, _owned_runs(kube, schedule), clock())
            _apply(kube, schedule, plan)
        except ValidationError as exc:
            verdict = verdict_for_error(_invalid_spec(exc))
        except ReconcileError as exc:
            log.warning("schedule %s/%s: %s", body["metadata"]["namespace"], body["metadata"]["name"], exc)
            verdict = verdict_for_error(exc)
        else:
            record("success")
            # Look again at least at the slowest poll cadence: it costs one list of the schedule's
            # runs, and it bounds the effect of a missed wake-up or a clock step (finishing runs
            # and spec changes also wake the daemon directly).
            return min(plan.wake_after, poll_max_seconds)
        record(verdict.result)
        _write_verdict(kube, body, verdict, clock())
    return sleep_after(verdict, poll_max_seconds)


def _invalid_spec(error: ValidationError) -> Stalled:
    stalled = parse_error(error)
    fields = {tuple(str(part) for part in e["loc"][:2]) for e in error.errors(include_url=False)}
    if fields & {("spec", "schedule"), ("spec", "timeZone")}:
        return Stalled(c.INVALID_SCHEDULE, stalled.message)
    return stalled


def _owned_runs(kube: KubeObjects, schedule: PipelineSchedule) -> list[ScheduledRun]:
    ref = ObjectRef.of(schedule.metadata)
    items = kube.list_namespaced(RUNS, ref.namespace, label_selector=f"{SCHEDULE_UID_LABEL}={ref.uid}")
    return [run for item in items if (run := _scheduled_run(item, str(ref.uid)))]


def _scheduled_run(item: dict[str, Any], schedule_uid: str) -> ScheduledRun | None:
    """A run this schedule owns, read through the model (None: not ours). One the model cannot
    read still counts, as active, so that Forbid never starts a second run beside it."""
    owners = item["metadata"].get("ownerReferences") or []
    if not any(o.get("uid") == schedule_uid for o in owners):
        return None  # a copied label is not ownership
    name = str(item["metadata"]["name"])
    try:
        run = PipelineRun.model_validate(item)
    except ValidationError as exc:
        log.warning("run %s of schedule %s: unreadable, counted as active: %s", name, schedule_uid, exc)
        return ScheduledRun(name=name, scheduled_time=None, phase=None)
    scheduled = (run.metadata.get("annotations") or {}).get(SCHEDULED_TIME_ANNOTATION)
    return ScheduledRun(
        name=name,
        scheduled_time=datetime.fromisoformat(scheduled) if scheduled else None,
        phase=run.status.phase,
        completion_time=run.status.completion_time,
        cancel=run.spec.cancel,
    )


def _apply(kube: KubeObjects, schedule: PipelineSchedule, plan: SchedulePlan) -> None:
    """Carry out the plan. A run created before a restart, or deleted by someone else, is the
    goal met already: the seam's create and delete say so without an error."""
    ref = ObjectRef.of(schedule.metadata)
    for name in plan.cancel:
        kube.patch(RUNS, ObjectRef(ref.namespace, name), {"spec": {"cancel": True}})
    for manifest in plan.create:
        kube.create(RUNS, ref.namespace, manifest)
    for name in plan.delete:
        kube.delete(RUNS, ObjectRef(ref.namespace, name))
    if dump(plan.status) != dump(schedule.status):
        kube.patch_status(PLURAL, ref, status_patch(schedule.status, plan.status))
    for event in plan.events:
        kube.post_event(KIND, ref, event)


def _write_verdict(kube: KubeObjects, body: dict[str, Any], verdict: Verdict, now: datetime) -> None:
    """Conditions from the one outcome function, written if they changed, and their Event."""
    ref = ObjectRef.of(body["metadata"])
    generation = body["metadata"].get("generation")
    before = PipelineScheduleStatus.model_validate(body.get("status") or {})
    outcome = compute_outcome(before.conditions, verdict, generation=generation, now=now)
    after = before.model_copy(update={"conditions": outcome.conditions, "observed_generation": generation})
    try:
        if dump(after) != dump(before):
            kube.patch_status(PLURAL, ref, status_patch(before, after))
    except ReconcileError as exc:  # the next pass writes it; a daemon must not die of it
        log.warning("schedule %s: status not written: %s", ref, exc)
        return
    if outcome.event is not None:
        kube.post_event(KIND, ref, outcome.event)

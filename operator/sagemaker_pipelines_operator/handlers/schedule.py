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
from kubernetes.client.exceptions import ApiException
from pydantic import ValidationError

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.api.schedule import PipelineSchedule, PipelineScheduleStatus
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.events import post_events
from sagemaker_pipelines_operator.handlers.kube_errors import classify_kube_error
from sagemaker_pipelines_operator.handlers.outcome import parse_error, reconcile_pass
from sagemaker_pipelines_operator.handlers.pipelinerun import runtime
from sagemaker_pipelines_operator.handlers.runwriter import status_patch
from sagemaker_pipelines_operator.reconcile.schedule import (
    SCHEDULE_UID_LABEL,
    SCHEDULED_TIME_ANNOTATION,
    ScheduledRun,
    SchedulePlan,
    plan_schedule,
    sleep_after,
)
from sagemaker_pipelines_operator.reconcile.verdict import Verdict, compute_outcome, verdict_for_error

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

    def run_finished(run: PipelineRun) -> None:
        uid = (run.metadata.get("labels") or {}).get(SCHEDULE_UID_LABEL)
        if uid:
            wakers.wake(uid)

    runtime(ctx).writer.on_finished.append(run_finished)

    @kopf.daemon(GROUP, PLURAL, registry=registry, cancellation_timeout=5.0)
    async def schedule_loop(body: kopf.Body, stopped: kopf.DaemonStopped, **__: Any) -> None:
        uid = str(body["metadata"]["uid"])
        wake = wakers.add(uid)
        try:
            while not stopped:
                wake.clear()
                delay = await asyncio.to_thread(schedule_pass, ctx, dict(body), clock)
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


def schedule_pass(ctx: OperatorContext, body: dict[str, Any], clock: Clock) -> float:
    """One pass; returns the seconds to sleep. Never raises: a daemon that dies stops scheduling.
    What stops a pass is written as conditions (and an Event), like every other kind's errors."""
    with reconcile_pass(KIND) as record:
        try:
            schedule = PipelineSchedule.model_validate(body)
            plan = plan_schedule(schedule, _owned_runs(ctx, schedule), clock())
            _apply(ctx, schedule, plan)
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
            return min(plan.wake_after, ctx.settings.poll_max_seconds)
        record(verdict.result)
        _write_verdict(ctx, body, verdict, clock())
    return sleep_after(verdict, ctx.settings.poll_max_seconds)


def _invalid_spec(error: ValidationError) -> Stalled:
    stalled = parse_error(error)
    fields = {tuple(str(part) for part in e["loc"][:2]) for e in error.errors(include_url=False)}
    if fields & {("spec", "schedule"), ("spec", "timeZone")}:
        return Stalled(c.INVALID_SCHEDULE, stalled.message)
    return stalled


def _owned_runs(ctx: OperatorContext, schedule: PipelineSchedule) -> list[ScheduledRun]:
    meta = schedule.metadata
    try:
        listing = ctx.custom_objects.list_namespaced_custom_object(
            GROUP,
            VERSION,
            meta["namespace"],
            "pipelineruns",
            label_selector=f"{SCHEDULE_UID_LABEL}={meta['uid']}",
        )
    except Exception as exc:
        raise classify_kube_error(exc, f"runs of {KIND} {meta['name']}") from exc
    return [run for item in listing.get("items", []) if (run := _scheduled_run(item, meta["uid"]))]


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


def _apply(ctx: OperatorContext, schedule: PipelineSchedule, plan: SchedulePlan) -> None:
    meta = schedule.metadata
    namespace = meta["namespace"]
    api = ctx.custom_objects
    for name in plan.cancel:
        _kube(
            f"cancel {name}",
            api.patch_namespaced_custom_object,
            RUNS,
            name,
            {"spec": {"cancel": True}},
            ns=namespace,
        )
    if plan.create is not None:
        _kube("create run", api.create_namespaced_custom_object, RUNS, plan.create, ns=namespace, ok=(409,))
    for name in plan.delete:
        _kube(f"delete {name}", api.delete_namespaced_custom_object, RUNS, name, ns=namespace, ok=(404,))
    if dump(plan.status) != dump(schedule.status):
        patch = status_patch(schedule.status, plan.status)
        _kube("status", api.patch_namespaced_custom_object_status, PLURAL, meta["name"], patch, ns=namespace)
    post_events(ctx, KIND, meta, plan.events)


def _kube(what: str, call: Callable[..., Any], *args: Any, ns: str, ok: tuple[int, ...] = ()) -> None:
    """`call(GROUP, VERSION, ns, *args)`; statuses in `ok` mean the goal is met already (a run
    created before a restart, a run deleted by someone else)."""
    try:
        call(GROUP, VERSION, ns, *args)
    except ApiException as exc:
        if exc.status in ok:
            return
        raise classify_kube_error(exc, f"{KIND}: {what}") from exc
    except Exception as exc:
        raise classify_kube_error(exc, f"{KIND}: {what}") from exc


def _write_verdict(ctx: OperatorContext, body: dict[str, Any], verdict: Verdict, now: datetime) -> None:
    """Conditions from the one outcome function, written if they changed, and their Event."""
    meta = body["metadata"]
    before = PipelineScheduleStatus.model_validate(body.get("status") or {})
    outcome = compute_outcome(before.conditions, verdict, generation=meta.get("generation"), now=now)
    after = before.model_copy(
        update={"conditions": outcome.conditions, "observed_generation": meta.get("generation")}
    )
    try:
        if dump(after) != dump(before):
            patch = status_patch(before, after)
            _kube(
                "status",
                ctx.custom_objects.patch_namespaced_custom_object_status,
                PLURAL,
                meta["name"],
                patch,
                ns=meta["namespace"],
            )
    except ReconcileError as exc:  # the next pass writes it; a daemon must not die of it
        log.warning("schedule %s/%s: status not written: %s", meta["namespace"], meta["name"], exc)
        return
    if outcome.event is not None:
        post_events(ctx, KIND, meta, [outcome.event])

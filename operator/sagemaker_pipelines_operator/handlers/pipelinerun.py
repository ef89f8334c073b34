"""PipelineRun handlers (kopf wiring): start runs, hand active ones to the batch poller, apply
spec changes (cancel, TTL), stop on deletion. The poller starts and stops with the operator."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import kopf
from pydantic import ValidationError

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase
from sagemaker_pipelines_operator.errors import ReconcileError, Transient
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.outcome import (
    parse_error,
    raise_for_kopf,
    reconcile_pass,
    write_verdict,
)
from sagemaker_pipelines_operator.handlers.runapply import RunApplier
from sagemaker_pipelines_operator.handlers.runmetrics import RunMetrics
from sagemaker_pipelines_operator.handlers.runpoller import POOL_SIZE, RunPoller
from sagemaker_pipelines_operator.handlers.runstarter import RunStarter
from sagemaker_pipelines_operator.handlers.runtracker import RunTracker
from sagemaker_pipelines_operator.handlers.status_events import StatusEventConsumer
from sagemaker_pipelines_operator.handlers.tenancy import namespace_role_arn
from sagemaker_pipelines_operator.reconcile.runstatus import phase_verdict, with_conditions
from sagemaker_pipelines_operator.reconcile.verdict import Verdict, ready, verdict_for_error

KIND = "PipelineRun"
PLURAL = "pipelineruns"
Phase = PipelineRunPhase
_STATE_KEY = "pipelinerun"
_state_lock = threading.Lock()
log = logging.getLogger(__name__)


@dataclass
class RunRuntime:
    """Everything PipelineRuns share in one operator process."""

    tracker: RunTracker
    metrics: RunMetrics
    applier: RunApplier
    starter: RunStarter
    poller: RunPoller


def runtime(ctx: OperatorContext) -> RunRuntime:
    with _state_lock:
        existing: RunRuntime | None = ctx.state.get(_STATE_KEY)
        if existing is None:
            tracker, metrics = RunTracker(), RunMetrics()
            applier = RunApplier(ctx, metrics)
            # Runs that end in a handler (invalid parameters, cancelled before starting) need
            # their TTL armed as much as those the poller sees finish.
            applier.on_finished.append(tracker.expire_after_ttl)
            existing = RunRuntime(
                tracker, metrics, applier, RunStarter(ctx, tracker, applier), RunPoller(ctx, tracker, applier)
            )
            ctx.state[_STATE_KEY] = existing
        return existing


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    rt = runtime(ctx)
    # Every kopf worker thread and every poller thread may hold a connection at once; urllib3's
    # default pool (5 per core) makes the rest open and drop a TLS connection per request.
    if not ctx.api_client_created:
        wanted = ctx.settings.max_workers + POOL_SIZE + 4
        ctx.kube_config.connection_pool_maxsize = max(ctx.kube_config.connection_pool_maxsize or 0, wanted)

    events = (
        StatusEventConsumer(ctx, rt.tracker, ctx.settings.status_events_queue_url)
        if ctx.settings.status_events_queue_url
        else None
    )

    @kopf.on.startup(registry=registry)
    def start_poller(**_: Any) -> None:
        rt.poller.start()
        if events is not None:
            events.start()

    @kopf.on.cleanup(registry=registry)  # async: the handler pool is closed by now (HandlerExecutor)
    async def stop_poller(**_: Any) -> None:
        if events is not None:
            await asyncio.to_thread(events.stop)
        await asyncio.to_thread(rt.poller.stop)
        rt.metrics.forget_all()

    @kopf.on.resume(GROUP, PLURAL, registry=registry)
    @kopf.on.create(GROUP, PLURAL, registry=registry)
    @kopf.on.update(GROUP, PLURAL, field="spec", registry=registry)
    def reconcile(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        with reconcile_pass(KIND) as record:
            try:
                run = PipelineRun.model_validate(dict(body))
            except ValidationError as exc:
                verdict = verdict_for_error(parse_error(exc))
                write_verdict(ctx, KIND, body, patch, verdict)
            else:
                try:
                    verdict = reconcile_run(ctx, rt, run, datetime.now(UTC))
                except ReconcileError as exc:
                    verdict = rt.starter.cannot_proceed(run, exc, datetime.now(UTC))
            record(verdict.result)
        # Waiting runs re-check at the poll cadence, so tests with fast polling stay fast.
        if verdict.requeue_after is not None and not verdict.retry:
            verdict = replace(verdict, requeue_after=_wait(ctx, verdict.requeue_after))
        raise_for_kopf(verdict)

    @kopf.on.delete(GROUP, PLURAL, registry=registry)
    def delete(body: kopf.Body, **_: Any) -> None:
        delete_run(ctx, rt, body)


def delete_run(ctx: OperatorContext, rt: RunRuntime, body: kopf.Body) -> None:
    """The run is going: forget it, and stop its execution unless told not to."""
    try:
        run = PipelineRun.model_validate(dict(body))
    except ValidationError:
        return
    uid = str(run.metadata["uid"])
    tracked = rt.tracker.untrack(uid)
    rt.tracker.forget_expiry(uid)
    current = tracked.run if tracked is not None else run
    try:
        role = namespace_role_arn(ctx, run.metadata["namespace"])
        rt.starter.stop_on_delete(current, role)
    except Transient as exc:  # SageMaker unreachable: keep the finalizer and try again
        raise kopf.TemporaryError(exc.message, delay=10) from exc
    except ReconcileError as exc:  # refused (role, access): the object goes, say why in the log
        log.warning(
            "not stopping the execution of %s/%s: %s",
            run.metadata["namespace"],
            run.metadata["name"],
            exc,
        )
    rt.metrics.forget(uid)


def reconcile_run(ctx: OperatorContext, rt: RunRuntime, run: PipelineRun, now: datetime) -> Verdict:
    """One pass over a run: finished ones only arm their TTL; active ones are (re)tracked and see
    their new spec; pending ones start."""
    rt.metrics.observe(run)
    status = run.status
    phase = status.phase or Phase.PENDING
    uid = str(run.metadata["uid"])
    if phase.finished:
        rt.tracker.expire_after_ttl(run)
        return phase_verdict(status)
    tracked = rt.tracker.get(uid)
    if tracked is not None:  # a spec change (cancel): the poller acts on it right away
        with tracked.lock:
            tracked.run = tracked.run.model_copy(update={"spec": run.spec, "metadata": run.metadata})
        rt.tracker.kick(uid)
        return ready("Accepted", "spec change handed to the poller")
    role = namespace_role_arn(ctx, run.metadata["namespace"])
    if phase in (Phase.EXECUTING, Phase.STOPPING) and status.execution_arn:
        # Conditions may still say why the run could not be tracked before (a refused role).
        verdict = phase_verdict(status)
        tracking = with_conditions(status, verdict, generation=run.metadata.get("generation"), now=now)
        rt.tracker.track(rt.applier.write(run, tracking, [], now=now), role)
        return verdict
    return rt.starter.start(run, role, now)


def _wait(ctx: OperatorContext, delay: float) -> float:
    return max(0.5, min(delay, ctx.settings.poll_max_seconds))

"""PipelineRun handlers (kopf wiring): start runs, hand active ones to the batch poller, apply
spec changes (cancel, TTL), stop on deletion. The poller starts and stops with the operator."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import kopf
from pydantic import ValidationError

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase
from sagemaker_pipelines_operator.aws.run_executions import SageMakerExecutions
from sagemaker_pipelines_operator.errors import ReconcileError, Transient
from sagemaker_pipelines_operator.reconcile.execution import Execution
from sagemaker_pipelines_operator.reconcile.verdict import Verdict, ready, requeue_of, verdict_for_error
from sagemaker_pipelines_operator.runs.inputs import RunInputs
from sagemaker_pipelines_operator.runs.metrics import RunMetrics
from sagemaker_pipelines_operator.runs.poller import RunPoller
from sagemaker_pipelines_operator.runs.reconciler import PollBounds, RunReconciler
from sagemaker_pipelines_operator.runs.status_events import StatusEventConsumer
from sagemaker_pipelines_operator.runs.tracker import RunTracker
from sagemaker_pipelines_operator.runs.writer import RunWriter
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects
from sagemaker_pipelines_operator.runtime.lineage import lineage_status, read_lineage
from sagemaker_pipelines_operator.runtime.outcome import parse_error, reconcile_pass, write_verdict
from sagemaker_pipelines_operator.runtime.tenancy import namespace_role_arn

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
    reconciler: RunReconciler
    poller: RunPoller
    first_look_after_start: float
    """When the poller first lists a run this operator started: at the polling floor, or with
    status events at the safety net's time (the events carry its first changes, decision 75)."""

    @property
    def writer(self) -> RunWriter:
        return self.reconciler.writer


def runtime(ctx: OperatorContext) -> RunRuntime:
    with _state_lock:
        existing: RunRuntime | None = ctx.state.get(_STATE_KEY)
        if existing is None:
            existing = _new_runtime(ctx)
            ctx.state[_STATE_KEY] = existing
        return existing


def _new_runtime(ctx: OperatorContext) -> RunRuntime:
    settings = ctx.settings
    kube = ApiServerObjects(ctx)
    tracker, metrics = RunTracker(), RunMetrics()
    writer = RunWriter(kube, metrics, on_finished=ctx.run_finished)
    # Runs that end in a handler (invalid parameters, cancelled before starting) need
    # their TTL armed as much as those the poller sees finish.
    writer.on_finished.append(tracker.expire_after_ttl)
    inputs = RunInputs(
        kube,
        allow_unmanaged=settings.allow_unmanaged_pipelines,
        default_region=ctx.aws.factory.region(None),
        lineage=lambda metadata: lineage_status(read_lineage(ctx, metadata)),
    )
    reconciler = RunReconciler(
        inputs,
        writer,
        lambda region, role: SageMakerExecutions(ctx.aws.sagemaker(region, role)),
        lambda namespace: namespace_role_arn(ctx, namespace),
        PollBounds(settings.poll_min_seconds, settings.poll_max_seconds),
    )
    first_look = (
        settings.status_events_poll_seconds if settings.status_events_queue_url else settings.poll_min_seconds
    )
    return RunRuntime(tracker, metrics, reconciler, RunPoller(settings, tracker, reconciler), first_look)


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    rt = runtime(ctx)
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
                requeue = requeue_of(verdict)
                after = requeue.after if requeue is not None else None
            else:
                verdict, after = reconcile_run(rt, run, datetime.now(UTC))
            record(verdict.result)
        if after is not None:
            raise kopf.TemporaryError(verdict.message, delay=after)

    @kopf.on.delete(GROUP, PLURAL, registry=registry)
    def delete(body: kopf.Body, **_: Any) -> None:
        delete_run(rt, body)


def delete_run(rt: RunRuntime, body: kopf.Body) -> None:
    """The run is going: forget it, and stop its execution unless told not to."""
    try:
        run = PipelineRun.model_validate(dict(body))
    except ValidationError:
        return
    ref = run.meta.ref
    uid = str(ref.uid)
    tracked = rt.tracker.untrack(uid)
    rt.tracker.forget_expiry(uid)
    try:
        rt.reconciler.stop_on_delete(tracked.run if tracked is not None else run)
    except Transient as exc:  # SageMaker unreachable: keep the finalizer and try again
        raise kopf.TemporaryError(exc.message, delay=10) from exc
    except ReconcileError as exc:  # refused (role, access): the object goes, say why in the log
        log.warning("not stopping the execution of %s: %s", ref, exc)
    rt.metrics.forget(uid)


def reconcile_run(rt: RunRuntime, run: PipelineRun, now: datetime) -> tuple[Verdict, float | None]:
    """One kopf pass: a run the poller already follows gets its new spec (cancel) and a look at
    once, unless kopf's body is no newer than the poller's copy (a pass kopf repeats on an old
    body under load, decision 71: nothing to look at); any other goes through the reconciler, and
    what it says decides who looks next (the poller for a tracked execution, the tracker's expiry
    for a TTL, else kopf's requeue)."""
    rt.metrics.observe(run)
    uid = str(run.meta.uid)
    tracked = rt.tracker.get(uid)
    if tracked is not None and not (run.status.phase or Phase.PENDING).finished:
        with tracked.lock:
            newer = (run.meta.generation or 0) > (tracked.run.meta.generation or 0)
            if newer:
                tracked.keep(tracked.run.model_copy(update={"spec": run.spec, "metadata": run.metadata}))
        if not newer:
            return ready("Followed", "the poller follows the run; its spec is unchanged"), None
        rt.tracker.kick(uid)
        return ready("Accepted", "spec change handed to the poller"), None
    try:
        result = rt.reconciler.reconcile(run, now)
    except ReconcileError as exc:  # not even why could be written: kopf retries the pass
        verdict = verdict_for_error(exc)
        requeue = requeue_of(verdict)
        return verdict, requeue.after if requeue is not None else None
    if result.run is None:
        return result.verdict, None
    if result.track:
        first_look, execution = result.requeue_after or 0.0, None
        if result.started:
            arn = str(result.run.status.execution_arn)
            first_look, execution = rt.first_look_after_start, Execution(arn, "Executing")
        rt.tracker.track(result.run, result.role, first_poll_in=first_look, execution=execution)
        return result.verdict, None
    if (result.run.status.phase or Phase.PENDING).finished:
        rt.tracker.expire_after_ttl(result.run)
    return result.verdict, result.requeue_after

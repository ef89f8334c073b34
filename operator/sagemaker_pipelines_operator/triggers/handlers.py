"""PipelineTrigger kopf wiring: one daemon per trigger, either long-polling its SQS queue (each
batch to `triggers.sqs`) or answering its Alertmanager webhook calls (`triggers.alertmanager`,
served by `triggers.webhook`); status (counts, last event, Ready) is kept in the daemon, which is the
trigger's only status writer, and written when it changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import kopf
from aiohttp import web
from pydantic import ValidationError

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.trigger import (
    PipelineTrigger,
    PipelineTriggerSpec,
    PipelineTriggerStatus,
)
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled
from sagemaker_pipelines_operator.metrics import forget_trigger, set_trigger_ready, track_trigger
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.outcome import parse_error, reconcile_pass
from sagemaker_pipelines_operator.runtime.tenancy import namespace_role_arn
from sagemaker_pipelines_operator.triggers import runs as kube
from sagemaker_pipelines_operator.triggers.alertmanager import expected_token, handle_webhook
from sagemaker_pipelines_operator.triggers.chained import chain_pass
from sagemaker_pipelines_operator.triggers.readiness import with_readiness
from sagemaker_pipelines_operator.triggers.sqs import handle_messages, queue_for
from sagemaker_pipelines_operator.triggers.webhook import Inboxes, WebhookCall, start_webhook_server
from sagemaker_pipelines_operator.triggers.webhook_tls import ReloadingContext

KIND = kube.KIND
PLURAL = kube.PLURAL
ERROR_BACKOFF_SECONDS = 10.0
"""Pause after a failed pass (queue unreachable, run not creatable) before polling again."""
SUSPENDED_RECHECK_SECONDS = 30.0
"""Longest pause of a suspended trigger before it looks at its spec again (--poll-max-seconds if
shorter): the daemon is not woken by the edit that resumes it."""
T = TypeVar("T")
log = logging.getLogger(__name__)


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    inboxes = Inboxes()
    servers: list[web.AppRunner] = []

    @kopf.on.startup(registry=registry)
    async def serve_webhooks(**_: Any) -> None:
        settings = ctx.settings
        if not settings.webhook_port:
            return
        tls = None
        if settings.webhook_tls_cert_file and settings.webhook_tls_key_file:
            tls = ReloadingContext(settings.webhook_tls_cert_file, settings.webhook_tls_key_file).context
        servers.append(await start_webhook_server(settings.bind_address, settings.webhook_port, inboxes, tls))

    @kopf.on.cleanup(registry=registry)
    async def stop_webhooks(**_: Any) -> None:
        for runner in servers:
            await runner.cleanup()

    @kopf.daemon(GROUP, PLURAL, registry=registry, cancellation_timeout=1.0)
    async def trigger_loop(body: kopf.Body, stopped: kopf.DaemonStopped, **_: Any) -> None:
        meta = body["metadata"]
        track_trigger(meta["namespace"], meta["name"])
        status = PipelineTriggerStatus.model_validate(body.get("status") or {})
        quit_flag = threading.Event()
        try:
            while not stopped:  # a spec edit may change the source kind: each loop hands over
                if _serves_webhooks(body):
                    status = await alertmanager_loop(ctx, body, stopped, status, inboxes)
                    continue
                status, pause = await in_daemon_thread(trigger_pass, ctx, dict(body), status, quit_flag)
                if pause:
                    await stopped.wait(pause)
        finally:
            quit_flag.set()

    @kopf.on.delete(GROUP, PLURAL, registry=registry, optional=True)
    def trigger_deleted(body: kopf.Body, **_: Any) -> None:
        forget_trigger(body["metadata"]["namespace"], body["metadata"]["name"])


def _serves_webhooks(body: kopf.Body) -> bool:
    return (body.get("spec") or {}).get("source", {}).get("alertmanager") is not None


def trigger_pass(
    ctx: OperatorContext, body: dict[str, Any], status: PipelineTriggerStatus, quit_flag: threading.Event
) -> tuple[PipelineTriggerStatus, float]:
    """One poll and its consequences; returns the status now written and the pause before the next.
    Never raises: a daemon that dies stops the trigger."""
    now = datetime.now(UTC)
    with reconcile_pass(KIND) as record:
        try:
            trigger = PipelineTrigger.model_validate(body)
        except ValidationError as exc:
            record("stalled")
            return _finish(ctx, body, status, parse_error(exc), now), ERROR_BACKOFF_SECONDS
        try:
            after, pause = _poll(ctx, trigger, status, quit_flag, now)
        except ReconcileError as exc:
            log.warning("trigger %s/%s: %s", trigger.metadata["namespace"], trigger.metadata["name"], exc)
            record("stalled" if isinstance(exc, Stalled) else "transient")
            return _finish(ctx, body, status, exc, now), ERROR_BACKOFF_SECONDS
        written = _write(
            ctx,
            trigger.metadata,
            trigger.status,
            with_readiness(trigger.metadata, trigger.spec, after, None, now),
        )
        record("success")
        return written, pause


async def alertmanager_loop(
    ctx: OperatorContext,
    body: kopf.Body,
    stopped: kopf.DaemonStopped,
    status: PipelineTriggerStatus,
    inboxes: Inboxes,
) -> PipelineTriggerStatus:
    """Answer this trigger's webhook calls one at a time, re-checking the Secret while idle, until
    stopped or the source is no longer Alertmanager; returns the status last written."""
    key = (str(body["metadata"]["namespace"]), str(body["metadata"]["name"]))
    inbox = inboxes.open(key)
    try:
        while not stopped and _serves_webhooks(body):
            status = await in_daemon_thread(webhook_ready_pass, ctx, dict(body), status)
            try:
                call = await asyncio.wait_for(inbox.get(), timeout=ctx.settings.poll_max_seconds)
            except TimeoutError:
                continue
            status, answer = await in_daemon_thread(webhook_pass, ctx, dict(body), status, call)
            if not call.reply.done():
                call.reply.set_result(answer)
    finally:
        inboxes.close(key)
    return status


def webhook_ready_pass(
    ctx: OperatorContext, body: dict[str, Any], status: PipelineTriggerStatus
) -> PipelineTriggerStatus:
    """Ready when the webhook is served and its token Secret readable."""
    now = datetime.now(UTC)
    try:
        trigger = PipelineTrigger.model_validate(body)
        if not ctx.settings.webhook_port:
            raise Stalled(
                c.SOURCE_UNAVAILABLE, "this operator serves no webhooks: start it with --webhook-port"
            )
        expected_token(ctx, trigger)
    except ValidationError as exc:
        return _finish(ctx, body, status, parse_error(exc), now)
    except ReconcileError as exc:
        return _finish(ctx, body, status, exc, now)
    return _write(
        ctx,
        trigger.metadata,
        trigger.status,
        with_readiness(trigger.metadata, trigger.spec, status, None, now),
    )


def webhook_pass(
    ctx: OperatorContext, body: dict[str, Any], status: PipelineTriggerStatus, call: WebhookCall
) -> tuple[PipelineTriggerStatus, tuple[int, str]]:
    now = datetime.now(UTC)
    with reconcile_pass(KIND) as record:
        try:
            trigger = PipelineTrigger.model_validate(body)
            after, answer = handle_webhook(ctx, trigger, call.authorization, call.body, status, now=now)
        except ValidationError as exc:
            record("stalled")
            return _finish(ctx, body, status, parse_error(exc), now), (503, "the trigger's spec is invalid")
        except ReconcileError as exc:
            record("stalled" if isinstance(exc, Stalled) else "transient")
            return _finish(ctx, body, status, exc, now), (503, exc.message)
        readiness = with_readiness(trigger.metadata, trigger.spec, after, None, now)
        record("success")
        return _write(ctx, trigger.metadata, trigger.status, readiness), answer


def _poll(
    ctx: OperatorContext,
    trigger: PipelineTrigger,
    status: PipelineTriggerStatus,
    quit_flag: threading.Event,
    now: datetime,
) -> tuple[PipelineTriggerStatus, float]:
    if trigger.spec.source.pipeline_run is not None:
        pause = _suspended_pause(ctx) if trigger.spec.suspend else ctx.settings.poll_max_seconds
        return chain_pass(ctx, trigger, status, now), pause
    if trigger.spec.source.sqs is None:
        kind = trigger.spec.source.kind
        raise Stalled(c.SOURCE_UNAVAILABLE, f"source {kind} is not served by this operator")
    if trigger.spec.suspend:
        # Messages wait in the queue (its retention period) until the trigger is resumed.
        return status, _suspended_pause(ctx)
    queue = queue_for(ctx, trigger, namespace_role_arn(ctx, trigger.metadata["namespace"]))
    messages = queue.receive()
    if quit_flag.is_set() or not messages:
        return status, 0.0  # unhandled messages become visible again after the visibility timeout
    return handle_messages(ctx, trigger, queue, messages, status, now=now), 0.0


def _suspended_pause(ctx: OperatorContext) -> float:
    return min(SUSPENDED_RECHECK_SECONDS, ctx.settings.poll_max_seconds)


def _finish(
    ctx: OperatorContext,
    body: dict[str, Any],
    status: PipelineTriggerStatus,
    error: ReconcileError,
    now: datetime,
) -> PipelineTriggerStatus:
    meta = body["metadata"]
    observed = PipelineTriggerStatus.model_validate(body.get("status") or {})
    return _write(ctx, meta, observed, with_readiness(meta, _spec_or_none(body), status, error, now))


def _spec_or_none(body: dict[str, Any]) -> PipelineTriggerSpec | None:
    try:
        return PipelineTriggerSpec.model_validate(body.get("spec") or {})
    except ValidationError:
        return None


def _write(
    ctx: OperatorContext,
    metadata: dict[str, Any],
    observed: PipelineTriggerStatus,
    after: tuple[PipelineTriggerStatus, Any],
) -> PipelineTriggerStatus:
    """Write `after` when it differs from the status on the object (`observed`, as the watch last
    showed it), so a write that failed is made again by the next pass."""
    status, event = after
    try:
        kube.write_status(ctx, metadata, observed, status)
    except ReconcileError as exc:  # kept in memory: the next pass writes it
        log.warning("trigger %s: status not written: %s", metadata["name"], exc)
        return status
    ready = find_condition(status.conditions, c.READY)
    set_trigger_ready(metadata["namespace"], metadata["name"], ready is not None and ready.status == "True")
    if event is not None:
        kube.post(ctx, metadata, [event])
    return status


async def in_daemon_thread(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a daemon thread: a long poll in flight must not hold up the operator's exit
    (asyncio.to_thread's executor is joined at shutdown)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            outcome: tuple[T | None, BaseException | None] = (fn(*args), None)
        except BaseException as exc:
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=work, name="smpo-trigger", daemon=True).start()
    return await future

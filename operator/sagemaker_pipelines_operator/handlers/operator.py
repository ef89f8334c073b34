"""Assembles and runs the kopf operator: registry, production settings, login, and the event loop."""

from __future__ import annotations

import asyncio
import importlib
import random
import sys
import threading
import time
from typing import Any

import kopf

# Not re-exported by kopf; we own the vault so that we can close it after kopf's stragglers end.
from kopf._cogs.structs.credentials import Vault

from sagemaker_pipelines_operator import GROUP, __version__
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.diffbase import DigestingDiffBaseStorage
from sagemaker_pipelines_operator.handlers.preflight import check_cluster
from sagemaker_pipelines_operator.metrics import BUILD_INFO
from sagemaker_pipelines_operator.observability.server import start_servers
from sagemaker_pipelines_operator.observability.server import stop as stop_servers

FINALIZER = f"{GROUP}/finalizer"
"""Our finalizer; chosen once, as renaming it strands objects with the old one."""
ANNOTATION_PREFIX = GROUP
"""kopf's progress and last-handled annotations live under our group, never kopf's defaults."""
SHUTDOWN_GRACE_SECONDS = 10.0
"""How long an exiting operator lets in-flight handlers finish their status writes."""
TRANSPORT_DRAIN_SECONDS = 5.0
"""How long an exiting operator lets closed TLS connections finish their shutdown handshake."""
RECURSION_LIMIT = 40_000
"""Python's recursion limit while the operator runs. The API server accepts JSON nested up to 10,000
levels; kopf decodes and copies every watched object recursively, and at Python's default (1,000)
one deeply nested Pipeline made the watcher fail and stopped the whole operator, at every start."""
PRIORITY_TIEBREAK_BITS = 10
"""Low bits of a replica's peering priority drawn at random, for replicas started in one millisecond."""
_PRIORITY_HORIZON_MS = 2**42
"""Start times up to here (epoch ms, year 2109) give positive priorities below 2**53 (exact in JSON)."""

# Each module defines `register(registry, ctx)`.
HANDLER_MODULES: tuple[str, ...] = (
    "sagemaker_pipelines_operator.handlers.pipeline",
    "sagemaker_pipelines_operator.handlers.pipeline_metrics",
    "sagemaker_pipelines_operator.handlers.resource_metrics",
    "sagemaker_pipelines_operator.handlers.pipelinerun",
    "sagemaker_pipelines_operator.handlers.schedule",
    "sagemaker_pipelines_operator.triggers.handlers",
)


def configure(settings: kopf.OperatorSettings, ctx: OperatorContext) -> None:
    """Production settings for kopf."""
    ours = ctx.settings
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
    settings.persistence.diffbase_storage = DigestingDiffBaseStorage(
        prefix=ANNOTATION_PREFIX, key="last-handled-configuration"
    )
    # Server-side watch timeouts make stalled connections reconnect instead of hanging forever.
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    settings.watching.connect_timeout = 30
    settings.watching.reconnect_backoff = 1.0
    if ours.selector:
        # A bare group string would be read as Selector(group="pipelines.dev", any_name="sagemaker").
        settings.watching.label_selectors[GROUP, kopf.EVERYTHING] = ours.selector
    settings.execution.max_workers = ours.max_workers
    # Events are posted explicitly on transitions; kopf's per-log-line Events would be noise.
    settings.posting.loggers = False
    settings.posting.reporting_component = "sagemaker-pipelines-operator"
    if ours.peering:
        settings.peering.name = ours.peering
        settings.peering.lifetime = ours.peering_lifetime_seconds
        # A named peering must exist; without it every replica would reconcile at once.
        settings.peering.mandatory = True
        settings.peering.clusterwide = not ours.namespaces
    settings.peering.standalone = ours.peering is None


def build_registry(ctx: OperatorContext) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.startup(registry=registry)
    def _configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        configure(settings, ctx)

    @kopf.on.login(registry=registry)
    def _login(**_: Any) -> kopf.ConnectionInfo:
        return connection_info(ctx.kube_config)

    for name in HANDLER_MODULES:
        importlib.import_module(name).register(registry, ctx)
    return registry


def replica_priority(started_ms: int, tiebreak: int) -> int:
    """kopf peering priority of a replica started at `started_ms` (epoch ms): the older, the higher.

    kopf pauses a replica while a live peer has a higher priority, and every replica while two
    share the highest. A random priority (what we had) let a restarted replica outrank the standby
    that had just taken over: the leader flapped on every restart and, until the old leader saw
    the new heartbeat, both reconciled. Ordered by age, a newcomer always stands by, and the
    leader changes only when it stops (docs/decisions/0046-oldest-replica-leads.md)."""
    return ((_PRIORITY_HORIZON_MS - started_ms) << PRIORITY_TIEBREAK_BITS) | tiebreak


def connection_info(config: Any) -> kopf.ConnectionInfo:
    """kopf credentials from a kubernetes.client.Configuration (kubeconfig or in-cluster)."""
    if config.refresh_api_key_hook is not None:  # bound tokens rotate; kopf re-logs in on 401
        config.refresh_api_key_hook(config)
    keys = config.api_key or {}
    auth = keys.get("authorization") or keys.get("BearerToken") or ""
    token = auth.split(" ", 1)[1] if auth.lower().startswith("bearer ") else auth or None
    return kopf.ConnectionInfo(
        server=config.host,
        ca_path=config.ssl_ca_cert,
        insecure=not config.verify_ssl,
        token=token,
        certificate_path=config.cert_file,
        private_key_path=config.key_file,
    )


async def run_operator(
    ctx: OperatorContext,
    *,
    stop_flag: asyncio.Event | threading.Event | None = None,
    ready_flag: asyncio.Event | threading.Event | None = None,
) -> None:
    """Serve metrics and probes and run kopf until `stop_flag` is set (or forever).

    Raises PreflightError first when the cluster lacks a CRD or the peering object cannot be had.
    Readiness flips once kopf has started its watches (its ready flag); liveness fails when the
    kopf task ends or the watches fall silent (see observability.health.WatchClock).
    """
    ours = ctx.settings
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    clock = ctx.clock
    assert clock is not None  # set by OperatorContext.__post_init__
    # kopf would wait silently for a missing CRD or peering object: fail at once instead.
    await asyncio.to_thread(check_cluster, ctx.api_client, ours)
    BUILD_INFO.info({"version": __version__})
    # Tasks of whoever runs us (a test, an embedding app) are theirs: shutdown leaves them alone.
    theirs = asyncio.all_tasks()
    servers = await start_servers(ours, clock)
    started = asyncio.Event()
    vault = Vault()
    operator = asyncio.create_task(
        kopf.operator(
            registry=build_registry(ctx),
            clusterwide=not ours.namespaces,
            namespaces=list(ours.namespaces),
            standalone=ours.peering is None,
            peering_name=ours.peering,
            priority=replica_priority(
                time.time_ns() // 1_000_000, random.getrandbits(PRIORITY_TIEBREAK_BITS)
            ),
            stop_flag=stop_flag,
            ready_flag=started,
            memo=kopf.Memo(ctx=ctx),
            vault=vault,
        )
    )
    clock.watch_task(operator)
    waiter = asyncio.create_task(started.wait())
    try:
        await asyncio.wait({operator, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if started.is_set():
            clock.mark_ready()
            if ready_flag is not None:
                ready_flag.set()
        await operator
    finally:
        waiter.cancel()
        await stop_servers(servers)
        await finish_stragglers(SHUTDOWN_GRACE_SECONDS, spare=theirs)
        # kopf closes the vault's sessions on exit, but a timer whose sync handler was still in
        # its thread is left running; its status patch then opens a new session. Close that too.
        await vault.close()
        await drain_transports(TRANSPORT_DRAIN_SECONDS)


async def finish_stragglers(grace_seconds: float, spare: set[asyncio.Task[Any]]) -> None:
    """Wait up to `grace_seconds` for the tasks the operator started and kopf left behind (handlers
    still in their threads), then cancel what is left. Tasks in `spare`, which existed before the
    operator started, are never touched."""
    others = asyncio.all_tasks() - spare - {asyncio.current_task()}
    if not others:
        return
    _, pending = await asyncio.wait(others, timeout=grace_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def drain_transports(limit_seconds: float) -> None:
    """Let closed TLS connections (the watch streams kopf closed) finish their asynchronous
    shutdown before the loop ends, or their sockets outlive it unclosed (aiohttp#1925).

    asyncio keeps no public list of transports: the selector loop's `_transports` is read when it
    exists, else a short fixed pause stands in."""
    transports = getattr(asyncio.get_running_loop(), "_transports", None)
    if transports is None:
        await asyncio.sleep(0.25)
        return
    # Polled: no event tells when a TLS connection's socket transport starts closing (once the
    # peer has answered the close_notify).
    for _ in range(max(1, round(limit_seconds / 0.05))):
        if all(t.is_closing() for t in list(transports.values())):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0)  # closing transports close their sockets on the next loop iteration

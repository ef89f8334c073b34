"""Assembles and runs the kopf operator: registry, production settings, login, and the event loop."""

from __future__ import annotations

import asyncio
import importlib
import logging
import random
import signal
import sys
import threading
import time
from typing import Any

import kopf

from sagemaker_pipelines_operator import GROUP, __version__
from sagemaker_pipelines_operator.metrics import BUILD_INFO
from sagemaker_pipelines_operator.observability.server import Servers, start_servers
from sagemaker_pipelines_operator.observability.server import stop as stop_servers
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.diffbase import DigestingDiffBaseStorage
from sagemaker_pipelines_operator.runtime.executor import HandlerExecutor
from sagemaker_pipelines_operator.runtime.preflight import check_cluster

FINALIZER = f"{GROUP}/finalizer"
"""Our finalizer; chosen once, as renaming it strands objects with the old one."""
ANNOTATION_PREFIX = GROUP
"""kopf's progress and last-handled annotations live under our group, never kopf's defaults."""
SHUTDOWN_GRACE_SECONDS = 10.0
"""How long an exiting operator lets in-flight handlers finish their status writes."""
TIMER_EXIT_SECONDS = 1.0
"""How long a stopping timer may take to write the result of the pass it has just finished."""
BOUNDED_IDLE_SECONDS = 0.5
"""Under --max-concurrent-objects, how long an object's idle kopf worker keeps its slot."""
TRANSPORT_SETTLE_SECONDS = 0.25
"""A last pause before the loop may end, so that the TLS connections kopf aborted finish closing
their sockets (aiohttp's documented graceful-shutdown pause; aiohttp#1925)."""
STOP_POLL_SECONDS = 1.0
"""The slice a threading.Event stop flag is waited for in (it has no awaitable form)."""
RECURSION_LIMIT = 40_000
"""Python's recursion limit while the operator runs. The API server accepts JSON nested up to 10,000
levels; kopf decodes and copies every watched object recursively, and at Python's default (1,000)
one deeply nested Pipeline made the watcher fail and stopped the whole operator, at every start."""
PRIORITY_TIEBREAK_BITS = 10
"""Low bits of a replica's peering priority drawn at random, for replicas started in one millisecond."""
_PRIORITY_HORIZON_MS = 2**42
"""Start times up to here (epoch ms, year 2109) give positive priorities below 2**53 (exact in JSON)."""

log = logging.getLogger(__name__)

# Each module defines `register(registry, ctx)`.
HANDLER_MODULES: tuple[str, ...] = (
    "sagemaker_pipelines_operator.pipelines.handlers",
    "sagemaker_pipelines_operator.pipelines.metrics",
    "sagemaker_pipelines_operator.runtime.resource_metrics",
    "sagemaker_pipelines_operator.runs.handlers",
    "sagemaker_pipelines_operator.schedules.handlers",
    "sagemaker_pipelines_operator.triggers.handlers",
)


def configure(settings: kopf.OperatorSettings, ctx: OperatorContext, executor: HandlerExecutor) -> None:
    """Production settings for kopf; sync handlers run in `executor`, which shutdown drains."""
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
    settings.execution.executor = executor
    settings.queueing.worker_limit = ours.max_concurrent_objects or None
    if ours.max_concurrent_objects:
        # An idle worker holds its slot until it exits: kopf's 5 s made a bounded burst take 5 s
        # per object per slot. Waiting for our own status write's event is kopf's consistency
        # wait, not this one, so a short idle costs only a new worker for a later event.
        settings.queueing.idle_timeout = BOUNDED_IDLE_SECONDS
    # A timer whose handler has just returned still patches its result; at a stop, give it that
    # long to finish instead of orphaning it (its late patch would outlive kopf's API sessions).
    settings.background.instant_exit_timeout = TIMER_EXIT_SECONDS
    # Events are posted explicitly on transitions; kopf's per-log-line Events would be noise.
    settings.posting.loggers = False
    settings.posting.reporting_component = "sagemaker-pipelines-operator"
    if ours.peering:
        settings.peering.name = ours.peering
        settings.peering.lifetime = ours.peering_lifetime_seconds
        # A named peering must exist; without it every replica would reconcile at once.
        settings.peering.mandatory = True
        settings.peering.clusterwide = not ours.namespaces
        # Drawn here, the last step before kopf heartbeats, not when the process started: the
        # replica that appears in the peering object first must be the older one, or a replica
        # slow to start would outrank one already working (decision 0046).
        settings.peering.priority = replica_priority(
            time.time_ns() // 1_000_000, random.getrandbits(PRIORITY_TIEBREAK_BITS)
        )
    settings.peering.standalone = ours.peering is None


def build_registry(ctx: OperatorContext, executor: HandlerExecutor) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.startup(registry=registry)
    def _configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        configure(settings, ctx, executor)

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
    """Serve metrics and probes and run kopf until `stop_flag` is set, SIGINT or SIGTERM arrive
    (in the main thread), or kopf ends.

    Raises PreflightError first when the cluster lacks a CRD or the peering object cannot be had.
    Readiness flips once kopf has started its watches (its ready flag); liveness fails when the
    kopf task ends or the watches fall silent (see observability.health.WatchClock). A stop first
    lets running handlers finish (HandlerExecutor.quiesce), then stops kopf.
    """
    ours = ctx.settings
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    clock = ctx.clock
    assert clock is not None  # set by OperatorContext.__post_init__
    # kopf would wait silently for a missing CRD or peering object: fail at once instead.
    await asyncio.to_thread(check_cluster, ctx.api_client, ours)
    BUILD_INFO.info({"version": __version__})
    servers = await start_servers(ours, clock)
    executor = HandlerExecutor(ours.max_workers)
    started, requested, kopf_stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
    operator = _start_kopf(ctx, executor, ready=started, stop=kopf_stop)
    clock.watch_task(operator)
    helpers = [
        asyncio.create_task(started.wait()),
        asyncio.create_task(_relay(stop_flag, requested)),
        asyncio.create_task(_stop_when_quiet(requested, executor, kopf_stop)),
    ]
    try:
        await asyncio.wait({operator, helpers[0]}, return_when=asyncio.FIRST_COMPLETED)
        if started.is_set():
            clock.mark_ready()
            _route_signals(requested)
            if ready_flag is not None:
                ready_flag.set()
        await operator
    finally:
        await _tear_down(helpers, servers, executor)


def _start_kopf(
    ctx: OperatorContext, executor: HandlerExecutor, *, ready: asyncio.Event, stop: asyncio.Event
) -> asyncio.Task[None]:
    """kopf's operator task over our registry and scope; it sets `ready` once its watches run
    and ends when `stop` is set."""
    ours = ctx.settings
    return asyncio.create_task(
        kopf.operator(
            registry=build_registry(ctx, executor),
            clusterwide=not ours.namespaces,
            namespaces=list(ours.namespaces),
            standalone=ours.peering is None,
            peering_name=ours.peering,
            stop_flag=stop,
            ready_flag=ready,
            memo=kopf.Memo(ctx=ctx),
        )
    )


async def _tear_down(helpers: list[asyncio.Task[Any]], servers: Servers, executor: HandlerExecutor) -> None:
    """After kopf has ended: our helper tasks, the metrics and probe servers, the handler pool."""
    for helper in helpers:
        helper.cancel()
    await asyncio.gather(*helpers, return_exceptions=True)
    await stop_servers(servers)
    executor.shutdown(wait=False, cancel_futures=True)
    # Closing transports close their sockets in later loop iterations; no public API says
    # when they are done (the loop's transport list is private), so a fixed pause stands in.
    await asyncio.sleep(TRANSPORT_SETTLE_SECONDS)


async def _relay(stop_flag: asyncio.Event | threading.Event | None, requested: asyncio.Event) -> None:
    """Set `requested` when the caller's stop flag is set."""
    if stop_flag is None:
        return
    if isinstance(stop_flag, asyncio.Event):
        await stop_flag.wait()
    else:
        # Waited in slices so that an operator ending on its own leaves no thread blocked on it.
        while not await asyncio.to_thread(stop_flag.wait, STOP_POLL_SECONDS):
            pass
    requested.set()


async def _stop_when_quiet(
    requested: asyncio.Event, executor: HandlerExecutor, kopf_stop: asyncio.Event
) -> None:
    """Once a stop is requested: let running handlers finish, then tell kopf to stop."""
    await requested.wait()
    left = await asyncio.to_thread(executor.quiesce, SHUTDOWN_GRACE_SECONDS)
    if left:
        log.warning(
            "%d handler(s) still running after %.0f s; stopping without them", left, SHUTDOWN_GRACE_SECONDS
        )
    kopf_stop.set()


def _route_signals(requested: asyncio.Event) -> None:
    """SIGINT/SIGTERM request a quiet stop. kopf installs its own handlers (which stop it at once)
    when it runs in the main thread; these replace them once it has started."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, requested.set)

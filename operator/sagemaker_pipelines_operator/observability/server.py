"""The HTTP side of observability: /metrics from metrics.REGISTRY, /healthz and /readyz from a
WatchClock, on one port or two (metrics_port / health_port; 0 disables one)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from sagemaker_pipelines_operator.metrics import REGISTRY
from sagemaker_pipelines_operator.observability.health import Verdict, WatchClock
from sagemaker_pipelines_operator.settings import OperatorSettings

_CLOCK: web.AppKey[WatchClock] = web.AppKey("clock", WatchClock)
_REGISTRY: web.AppKey[CollectorRegistry] = web.AppKey("registry", CollectorRegistry)


@dataclass
class Servers:
    """The running endpoints; `addresses` maps "metrics"/"health" to the (host, port) bound."""

    runners: list[web.AppRunner] = field(default_factory=list)
    addresses: dict[str, tuple[str, int]] = field(default_factory=dict)


async def _metrics(request: web.Request) -> web.Response:
    # OpenMetrics when the scraper asks for it (Prometheus does), else the text format 0.0.4.
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    body = encoder(request.app[_REGISTRY])
    response = web.Response(body=body)
    response.headers["Content-Type"] = content_type
    return response


def _probe(verdict: Verdict) -> web.Response:
    return web.json_response(verdict.body(), status=200 if verdict.ok else 503, dumps=json.dumps)


async def _healthz(request: web.Request) -> web.Response:
    return _probe(request.app[_CLOCK].liveness())


async def _readyz(request: web.Request) -> web.Response:
    return _probe(request.app[_CLOCK].readiness())


def build_app(
    clock: WatchClock, *, metrics: bool, health: bool, registry: CollectorRegistry = REGISTRY
) -> web.Application:
    """An aiohttp app with the metrics routes, the health routes, or both."""
    app = web.Application()
    app[_CLOCK] = clock
    app[_REGISTRY] = registry
    if metrics:
        app.router.add_get("/metrics", _metrics)
    if health:
        app.router.add_get("/healthz", _healthz)
        app.router.add_get("/readyz", _readyz)
    return app


async def start_servers(
    settings: OperatorSettings, clock: WatchClock, registry: CollectorRegistry = REGISTRY
) -> Servers:
    """Listen on settings.bind_address: metrics_port serves /metrics, health_port /healthz and
    /readyz; equal ports share one server; a port of 0 is not served. Raises OSError when a port
    is taken (after closing whatever it already opened)."""
    plan: dict[int, set[str]] = {}
    if settings.metrics_port:
        plan.setdefault(settings.metrics_port, set()).add("metrics")
    if settings.health_port:
        plan.setdefault(settings.health_port, set()).add("health")
    servers = Servers()
    try:
        for port, roles in plan.items():
            app = build_app(clock, metrics="metrics" in roles, health="health" in roles, registry=registry)
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            servers.runners.append(runner)
            site = web.TCPSite(runner, settings.bind_address, port, reuse_address=True)
            await site.start()
            for role in roles:
                servers.addresses[role] = (settings.bind_address, port)
    except BaseException:
        await stop(servers)
        raise
    return servers


async def stop(servers: Servers) -> None:
    """Close every listener and drop in-flight requests (probes and scrapes are cheap to retry)."""
    for runner in servers.runners:
        await runner.cleanup()
    servers.runners.clear()
    servers.addresses.clear()

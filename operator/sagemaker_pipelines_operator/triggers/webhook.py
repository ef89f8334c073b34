"""The operator's webhook endpoint for Alertmanager-sourced triggers: POST /triggers/<namespace>/<name>.

A request is handed to that trigger's daemon (the trigger's only status writer) and answered once
the daemon has made the runs exist: 200, 401 (bearer token), 400 (payload), 404 (no such trigger
served here), 503 (try again: Alertmanager retries). Over HTTPS when a certificate is configured
(`triggers.webhook_tls`).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

from aiohttp import web

BODY_MAX_BYTES = 1_048_576
ANSWER_TIMEOUT_SECONDS = 30.0
Key = tuple[str, str]


@dataclass(frozen=True)
class WebhookCall:
    authorization: str
    body: bytes
    reply: asyncio.Future[tuple[int, str]]


class Inboxes:
    """One queue of webhook calls per served trigger (namespace, name)."""

    def __init__(self) -> None:
        self._queues: dict[Key, asyncio.Queue[WebhookCall]] = {}

    def open(self, key: Key) -> asyncio.Queue[WebhookCall]:
        return self._queues.setdefault(key, asyncio.Queue())

    def close(self, key: Key) -> None:
        self._queues.pop(key, None)

    def get(self, key: Key) -> asyncio.Queue[WebhookCall] | None:
        return self._queues.get(key)


_INBOXES: web.AppKey[Inboxes] = web.AppKey("inboxes", Inboxes)


async def _receive(request: web.Request) -> web.Response:
    key = (request.match_info["namespace"], request.match_info["name"])
    inbox = request.app[_INBOXES].get(key)
    if inbox is None:
        return web.Response(status=404, text=f"no Alertmanager PipelineTrigger {key[0]}/{key[1]} here\n")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return web.Response(status=413, text=f"body larger than {BODY_MAX_BYTES} bytes\n")
    reply: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
    await inbox.put(WebhookCall(request.headers.get("Authorization", ""), body, reply))
    try:
        status, text = await asyncio.wait_for(reply, ANSWER_TIMEOUT_SECONDS)
    except TimeoutError:
        return web.Response(status=503, text="the trigger did not answer in time\n")
    return web.Response(status=status, text=text + "\n")


async def start_webhook_server(
    bind_address: str, port: int, inboxes: Inboxes, ssl_context: ssl.SSLContext | None = None
) -> web.AppRunner:
    """Serve the webhook on `port`: HTTPS only when `ssl_context` is given, else plain HTTP."""
    app = web.Application(client_max_size=BODY_MAX_BYTES)
    app[_INBOXES] = inboxes
    app.router.add_post("/triggers/{namespace}/{name}", _receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, bind_address, port, ssl_context=ssl_context).start()
    return runner

"""Running the emulator: `serve` for `smpo emulator`, `EmulatorThread` for tests and the local stack
(a server on its own event loop in a background thread), and `AdminClient` for /_emulator/."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sagemaker_pipelines_emulator.config import EmulatorConfig
from sagemaker_pipelines_emulator.server import build_app


async def start_site(config: EmulatorConfig, host: str, port: int) -> tuple[web.AppRunner, str]:
    """Start serving; returns the runner (to clean up) and the base URL with the real port."""
    app = build_app(config)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    server = site._server  # aiohttp exposes the bound port only here
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, f"http://{host}:{bound}"


async def serve(config: EmulatorConfig, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Serve until cancelled; `ready(url)` is called once the socket listens."""
    runner, url = await start_site(config, host, port)
    ready(url)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


class AdminClient:
    """The admin API over HTTP (urllib, so it works from any thread and needs no event loop)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, method: str, path: str, body: object | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        self._call("POST", "reset", {})

    def configure(self, **config: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "config", config)
        return result

    def config(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "config")
        return result

    def outcomes(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "outcomes")
        return result

    def set_outcomes(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Replace the outcome rules (outcome_rules.py); POST /_emulator/outcomes adds instead."""
        result: list[dict[str, Any]] = self._call("PUT", "outcomes", rules)
        return result

    def counters(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "counters")
        return result

    def calls(self, operation: str | None = None) -> list[dict[str, Any]]:
        query = f"?operation={operation}" if operation else ""
        result: list[dict[str, Any]] = self._call("GET", f"calls{query}")["calls"]
        return result


class EmulatorThread(AdminClient):
    """An emulator on a free loopback port, served from a daemon thread with its own event loop."""

    def __init__(self, config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__("")
        self._config = config or EmulatorConfig()
        self._host, self._port = host, port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="sagemaker-emulator", daemon=True)
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._runner: web.AppRunner | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._runner, self.url = self._loop.run_until_complete(
                start_site(self._config, self._host, self._port)
            )
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        if self._runner is not None:
            self._loop.run_until_complete(self._runner.cleanup())
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    def start(self) -> EmulatorThread:
        self._thread.start()
        self._started.wait(timeout=30)
        if self._error is not None:
            raise RuntimeError(f"the emulator did not start: {self._error!r}") from self._error
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)

    def __enter__(self) -> EmulatorThread:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

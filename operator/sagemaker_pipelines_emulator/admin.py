"""The admin API under /_emulator/: reset, live configuration, counters and the call log.

GET  /_emulator/health            {"ok": true}
POST /_emulator/reset             forget all state, back to the start configuration
GET  /_emulator/config            the current configuration
POST /_emulator/config            merge a partial configuration (400 names a bad field)
GET  /_emulator/outcomes          the outcome rules (outcome_rules.py) in force
PUT  /_emulator/outcomes          replace them with the body's list of rules (400 names a bad field)
POST /_emulator/outcomes          add the body's rules after the others (later rules win)
DELETE /_emulator/outcomes        drop every rule
GET  /_emulator/counters          calls and errors per operation, execution counts
GET  /_emulator/calls?operation=X&limit=N   the most recent calls, oldest first
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sagemaker_pipelines_emulator.outcome_rules import parse_rules

if TYPE_CHECKING:
    from sagemaker_pipelines_emulator.service import Emulator

PREFIX = "/_emulator"


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda value: json.dumps(value, default=str))


def add_admin_routes(app: web.Application, emulator: Emulator) -> None:
    async def health(_: web.Request) -> web.Response:
        return _json({"ok": True})

    async def reset(_: web.Request) -> web.Response:
        emulator.reset()
        return _json({"ok": True})

    async def get_config(_: web.Request) -> web.Response:
        return _json(emulator.config.to_json())

    async def set_config(request: web.Request) -> web.Response:
        try:
            update = await request.json()
            if not isinstance(update, dict):
                raise ValueError("the body must be a JSON object of config fields")
            config = emulator.configure(update)
        except (ValueError, TypeError) as exc:
            return _json({"error": str(exc)}, status=400)
        return _json(config.to_json())

    async def get_outcomes(_: web.Request) -> web.Response:
        return _json(emulator.config.to_json()["outcomes"])

    async def change_outcomes(request: web.Request) -> web.Response:
        try:
            rules = [] if request.method == "DELETE" else await request.json()
            if not isinstance(rules, list):
                raise ValueError("the body must be a JSON list of outcome rules")
            if request.method == "POST":
                parse_rules(rules, "outcomes")  # errors index the body, not the merged list
                rules = emulator.config.to_json()["outcomes"] + rules
            config = emulator.configure({"outcomes": rules})
        except ValueError as exc:
            return _json({"error": str(exc)}, status=400)
        return _json(config.to_json()["outcomes"])

    async def counters(_: web.Request) -> web.Response:
        return _json(emulator.counters())

    async def calls(request: web.Request) -> web.Response:
        operation = request.query.get("operation")
        entries = [c for c in emulator.traffic.calls if operation is None or c["operation"] == operation]
        limit = request.query.get("limit", "")
        if limit:
            if not limit.isdigit():
                return _json({"error": f"limit must be a whole number, got {limit!r}"}, status=400)
            entries = entries[-int(limit) :] if int(limit) > 0 else []
        return _json({"calls": entries})

    app.router.add_get(f"{PREFIX}/health", health)
    app.router.add_post(f"{PREFIX}/reset", reset)
    app.router.add_get(f"{PREFIX}/config", get_config)
    app.router.add_post(f"{PREFIX}/config", set_config)
    app.router.add_get(f"{PREFIX}/outcomes", get_outcomes)
    for method in ("PUT", "POST", "DELETE"):
        app.router.add_route(method, f"{PREFIX}/outcomes", change_outcomes)
    app.router.add_get(f"{PREFIX}/counters", counters)
    app.router.add_get(f"{PREFIX}/calls", calls)

"""The HTTP face of the emulator: one aiohttp route speaking AWS JSON 1.1 (`POST /` with
`X-Amz-Target: SageMaker.<Operation>`), wrapped in throttling, faults, latency and the call log."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from sagemaker_pipelines_emulator import errors, protocol
from sagemaker_pipelines_emulator.admin import add_admin_routes
from sagemaker_pipelines_emulator.config import EmulatorConfig
from sagemaker_pipelines_emulator.operations import OPERATIONS
from sagemaker_pipelines_emulator.service import Context, Emulator
from sagemaker_pipelines_emulator.shapes import (
    operation_model,
    service_model,
    validate_input,
    validate_output,
)

log = logging.getLogger(__name__)
EMULATOR_KEY = web.AppKey("emulator", Emulator)
# Definitions may be 1 MiB of JSON, escaped again inside the request: leave room for the
# service's own length check to answer, instead of the HTTP layer.
MAX_BODY_BYTES = 16 * 1024 * 1024


class _Dropped(Exception):
    """The connection was cut on purpose (fault injection); nothing is sent back."""


def _json_response(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(
        status=status,
        body=protocol.encode(body),
        content_type=protocol.CONTENT_TYPE,
        headers={"x-amzn-RequestId": protocol.request_id()},
    )


def _error_response(error: errors.ApiError) -> web.Response:
    response = _json_response(error.status, protocol.error_body(error))
    response.headers["x-amzn-ErrorType"] = error.code
    return response


async def _before(emulator: Emulator, operation: str, request: web.Request) -> None:
    config = emulator.config
    delay = emulator.traffic.latency(operation, config)
    if delay > 0:
        await asyncio.sleep(delay)
    if emulator.traffic.throttled(operation, config):
        raise errors.throttled()
    fault = emulator.traffic.fault(operation, config)
    if fault is None:
        return
    if fault.kind == "drop":
        if request.transport is not None:
            request.transport.abort()
        raise _Dropped
    if fault.kind == "throttle":
        raise errors.throttled()
    if fault.kind == "http503":
        raise errors.ApiError("ServiceUnavailable", "Service is unavailable (injected fault)", 503)
    raise errors.ApiError("InternalFailure", "An internal error occurred (injected fault)", 500)


def dispatch(emulator: Emulator, operation: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    handler = OPERATIONS.get(operation)
    if handler is None:
        if operation in service_model().operation_names:
            raise errors.ApiError(
                "UnknownOperationException",
                f"Operation {operation} is not implemented by the SageMaker Pipelines emulator",
            )
        raise errors.ApiError("UnknownOperationException", f"Unknown operation {operation}")
    validate_input(operation, params)
    result = handler(Context(emulator, region, emulator.clock()), params)
    if emulator.config.validate_responses and operation_model(operation).output_shape is not None:
        problems = validate_output(operation, result)
        if problems:
            log.error("response of %s breaks the service model: %s", operation, problems)
            raise errors.ApiError(
                "InternalFailure", f"emulator response breaks the model: {'; '.join(problems)}", 500
            )
    return result


async def handle(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    started = emulator.clock()
    operation = request.headers.get("X-Amz-Target", "").removeprefix(protocol.TARGET_PREFIX) or "?"
    region = protocol.region_of(request.headers.get("Authorization"))
    params: Any = None
    status, code = 200, None
    try:
        operation = protocol.operation_of(request.headers.get("X-Amz-Target"))
        await _before(emulator, operation, request)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise errors.ApiError(
                "RequestEntityTooLargeException", "Request body is too large", 413
            ) from None
        params = protocol.parse_body(raw)
        response = _json_response(200, dispatch(emulator, operation, region, params))
    except _Dropped:
        status, code = 0, "ConnectionDropped"
        raise
    except errors.ApiError as error:
        status, code = error.status, error.code
        response = _error_response(error)
    except Exception as exc:  # a bug in the emulator must not take the server down
        log.exception("emulator failed on %s", operation)
        status, code = 500, "InternalFailure"
        response = _error_response(errors.ApiError("InternalFailure", f"emulator error: {exc!r}", 500))
    finally:
        emulator.traffic.record(
            operation,
            region,
            access_key_id=protocol.access_key_of(request.headers.get("Authorization")),
            status=status,
            code=code,
            started=started,
            finished=emulator.clock(),
            request=params,
        )
    return response


@web.middleware
async def _drop_quietly(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except _Dropped:
        # The transport is gone; aiohttp only needs an exception it treats as a lost client.
        raise asyncio.CancelledError from None


def build_app(config: EmulatorConfig, loop: asyncio.AbstractEventLoop | None = None) -> web.Application:
    emulator = Emulator(config, loop or asyncio.get_running_loop())
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[_drop_quietly])
    app[EMULATOR_KEY] = emulator
    app.router.add_post("/", handle)
    add_admin_routes(app, emulator)
    return app

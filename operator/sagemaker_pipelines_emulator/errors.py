"""The errors the emulator answers with, as SageMaker spells them (AWS JSON 1.1 `__type` + Message).

ApiError (HTTP 400 unless noted)
├── ValidationException      bad input: constraint, definition, parameter, token reuse
├── SerializationException   body is not JSON, or a member has the wrong JSON type
├── UnknownOperationException X-Amz-Target names no operation this endpoint serves
├── ResourceNotFound         no such pipeline, version, execution or callback token
├── ConflictException        the resource is in a state that forbids the call
├── ResourceLimitExceeded    too many concurrent executions
├── ThrottlingException      token bucket empty or injected fault ("Rate exceeded")
└── InternalFailure (500) / ServiceUnavailable (503)  injected faults
"""

from __future__ import annotations


class ApiError(Exception):
    """An error response: `code` becomes `__type`, `message` becomes `Message`."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def validation(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def serialization(message: str) -> ApiError:
    return ApiError("SerializationException", message)


def not_found(message: str) -> ApiError:
    return ApiError("ResourceNotFound", message)


def conflict(message: str) -> ApiError:
    return ApiError("ConflictException", message)


def limit_exceeded(message: str) -> ApiError:
    return ApiError("ResourceLimitExceeded", message)


def throttled() -> ApiError:
    return ApiError("ThrottlingException", "Rate exceeded")

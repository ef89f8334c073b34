"""Maps botocore exceptions onto the error taxonomy (errors.py): the only place that reads AWS codes."""

from __future__ import annotations

import re

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    ReadTimeoutError,
)

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.errors import NotFound, ReconcileError, Stalled, Transient

THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "RequestThrottled",  # SQS
    }
)
# Conditions that heal by themselves: a quota frees up, a concurrent update finishes.
_RETRYABLE_CODES = frozenset(
    {"ResourceLimitExceeded", "ConflictException", "ResourceInUse", "InternalFailure", "ServiceUnavailable"}
)
_NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException", "NoSuchKey", "NoSuchBucket"})
_NETWORK = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def outcome_label(exc: BaseException | None) -> str:
    """The `outcome` label of smpo_sagemaker_requests_total for a call that raised `exc`."""
    if exc is None:
        return "success"
    code = error_code(exc)
    if code in THROTTLE_CODES:
        return "throttled"
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        return "server_error" if int(status) >= 500 else "client_error"
    return "network_error"


def is_not_found(exc: BaseException) -> bool:
    """SageMaker's (or S3's) answer is that the resource does not exist: the pipeline, the
    execution, the bucket, key or version. A lookup returns None for it; any other call raises
    NotFound (a refusal, errors.py)."""
    if not isinstance(exc, ClientError):
        return False
    code = error_code(exc) or ""
    message = str(exc.response.get("Error", {}).get("Message") or exc)
    return code in _NOT_FOUND_CODES or _is_validation_not_found(code, message)


def classify_aws_error(exc: BaseException, operation: str) -> ReconcileError:
    """The taxonomy class of an exception raised by a boto3 call."""
    if isinstance(exc, ClientError):
        code = error_code(exc) or "Unknown"
        message = str(exc.response.get("Error", {}).get("Message") or exc)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
        text = f"{operation}: {code}: {message}"
        if is_not_found(exc):
            return NotFound(c.AWS_REJECTED, text)
        if code in THROTTLE_CODES or code in _RETRYABLE_CODES or status >= 500:
            return Transient(c.AWS_UNAVAILABLE, text, delay=30.0 if code == "ResourceLimitExceeded" else None)
        return Stalled(c.AWS_REJECTED, text)
    if isinstance(exc, _NETWORK):
        return Transient(c.AWS_UNAVAILABLE, f"{operation}: cannot reach SageMaker: {exc}")
    if isinstance(exc, NoCredentialsError | NoRegionError | ParamValidationError):
        return Stalled(c.AWS_REJECTED, f"{operation}: {exc}")
    if isinstance(exc, BotoCoreError):
        return Transient(c.AWS_UNAVAILABLE, f"{operation}: {exc}")
    raise exc


# How a ValidationException says "not found": SageMaker for some lookups of missing executions
# ("Pipeline execution ... does not exist"), moto server and LocalStack for every missing pipeline
# or execution ("Could not find pipeline with PipelineName ..."). Any other ValidationException is
# a real validation error.
_VALIDATION_NOT_FOUND = re.compile(r"\bdoes not exist\b|^could not find\b", re.IGNORECASE)


def _is_validation_not_found(code: str, message: str) -> bool:
    return code == "ValidationException" and _VALIDATION_NOT_FOUND.search(message.strip()) is not None


def is_unimplemented(exc: BaseException | None) -> bool:
    """The endpoint does not implement the operation: LocalStack's HTTP 501, or moto server's bare
    HTTP 500 page (no AWS error code: SageMaker itself always answers with one)."""
    if not isinstance(exc, ClientError):
        return False
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
    code = error_code(exc) or ""
    return status == 501 or code.startswith("NotImplemented") or (status == 500 and code.isdigit())

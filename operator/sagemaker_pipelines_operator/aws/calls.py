"""One AWS call measured: counted by operation and outcome, timed, and its error mapped onto the
taxonomy. SageMaker (`aws.sagemaker`) and SQS (`aws.sqs_queue`) calls go through `measured_call`;
a read where absence is an answer goes through `measured_lookup`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Histogram

from sagemaker_pipelines_operator.aws.errors import classify_aws_error, outcome_label
from sagemaker_pipelines_operator.errors import NotFound
from sagemaker_pipelines_operator.metrics import (
    SAGEMAKER_REQUEST_DURATION,
    SAGEMAKER_REQUESTS_TOTAL,
    SQS_REQUEST_DURATION,
    SQS_REQUESTS_TOTAL,
)


@dataclass(frozen=True)
class RequestMetrics:
    """A service's request counter (`operation`, `outcome`) and duration histogram (`operation`)."""

    requests: Counter
    duration: Histogram


SAGEMAKER = RequestMetrics(SAGEMAKER_REQUESTS_TOTAL, SAGEMAKER_REQUEST_DURATION)
SQS = RequestMetrics(SQS_REQUESTS_TOTAL, SQS_REQUEST_DURATION)


def measured_call(
    metrics: RequestMetrics, operation: str, call: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """`call()`'s response; raises a taxonomy error when it fails. Counted and timed either way."""
    started = time.monotonic()
    error: BaseException | None = None
    try:
        return call()
    except Exception as exc:
        error = exc
        raise classify_aws_error(exc, operation) from exc
    finally:
        _count(metrics, operation, error, started)


def measured_lookup(
    metrics: RequestMetrics, operation: str, call: Callable[[], dict[str, Any]]
) -> dict[str, Any] | None:
    """Like `measured_call`, for a read where absence is an answer: None when the resource does
    not exist (`is_not_found`), so that callers branch on a value. Counted as a client error."""
    try:
        return measured_call(metrics, operation, call)
    except NotFound:
        return None


def _count(metrics: RequestMetrics, operation: str, error: BaseException | None, started: float) -> None:
    metrics.requests.labels(operation=operation, outcome=outcome_label(error)).inc()
    metrics.duration.labels(operation=operation).observe(time.monotonic() - started)

"""The operator's AWS budget against the emulator over HTTP: every attempt botocore makes takes a
token, its own retries of a throttled call included, and a throttle is retried with backoff."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess, SageMakerApi
from sagemaker_pipelines_operator.errors import Transient

ATTEMPTS = 6
"""CLIENT_CONFIG's max_attempts."""


def test_every_attempt_of_a_throttled_call_takes_a_token(emulator: Any, aws_test_env: dict[str, str]) -> None:
    access = AwsAccess("us-east-1", tps=0.001, burst=100)  # refills nothing within the test
    api = access.sagemaker()
    bucket = access.budget.bucket("us-east-1")
    emulator.configure(
        faults=[{"operation": "ListPipelines", "kind": "throttle", "count": None, "probability": 1.0}]
    )
    with pytest.raises(Transient):
        api.call("ListPipelines")
    assert [c["error"] for c in emulator.calls("ListPipelines")] == ["ThrottlingException"] * ATTEMPTS
    left = 0
    while bucket.try_acquire() == 0.0:
        left += 1
    assert left == 100 - ATTEMPTS


def test_a_throttle_is_retried_until_it_passes(emulator: Any, aws_test_env: dict[str, str]) -> None:
    api = AwsAccess("us-east-1", tps=1000, burst=1000).sagemaker()
    emulator.configure(faults=[{"operation": "ListPipelines", "kind": "throttle", "count": 3}])
    assert api.call("ListPipelines")["PipelineSummaries"] == []
    assert [c["error"] for c in emulator.calls("ListPipelines")] == ["ThrottlingException"] * 3 + [None]


def test_each_call_takes_one_token_however_many_threads_made_the_api_at_once(
    emulator: Any, aws_test_env: dict[str, str]
) -> None:
    """20 handler threads reach for the API at start-up together. Each SageMakerApi used to add its
    own token handler to the one shared client, so every call took one token per racer: at 10 TPS
    the operator sent ~0.5 calls/s (1,000 runs: 359 started after 13 minutes)."""
    access = AwsAccess("us-east-1", tps=0.001, burst=100)
    start = threading.Barrier(20)

    def reach() -> SageMakerApi:
        start.wait()
        return access.sagemaker()

    with ThreadPoolExecutor(20) as pool:
        apis = list(pool.map(lambda _: reach(), range(20)))
    assert all(api is apis[0] for api in apis)
    SageMakerApi(access.factory, access.budget, "us-east-1", None)  # a second object on the same client
    for _ in range(5):
        apis[0].call("ListPipelines")
    bucket = access.budget.bucket("us-east-1")
    left = 0
    while bucket.try_acquire() == 0.0:
        left += 1
    assert left == 100 - 5

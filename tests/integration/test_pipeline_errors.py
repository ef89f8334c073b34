"""Failures that heal (5xx, throttling, cut connections) are retried with backoff and shown as
Reconciling=True with the reason; the operator never stalls or crash-loops on them.

botocore retries each call itself (and is tested by botocore); these tests give the operator's
clients a single attempt so that the operator's own retry path is what is exercised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config

from sagemaker_pipelines_operator.aws import sessions
from tests.fixtures.pipelines import token
from tests.integration.pipeline_helpers import DEFINITION, ROLE, Pipelines, calls


@pytest.fixture
def single_attempt(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(
        sessions, "CLIENT_CONFIG", Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=10)
    )
    yield


def reasons_seen(pipelines: Pipelines, name: str, reason: str) -> Any:
    """The resource while Reconciling=True carries `reason` (the retries last seconds)."""
    return pipelines.wait_condition(name, "Reconciling", "True", reason)


def errors_of(emulator: Any, operation: str) -> dict[str, int]:
    return dict(emulator.counters()["operations"].get(operation, {}).get("errors", {}))


def test_5xx_is_retried_with_backoff_and_reported_as_reconciling(
    single_attempt: None, pipelines: Pipelines, start_operator: Any, emulator: Any
) -> None:
    emulator.configure(faults=[{"operation": "DescribePipeline", "kind": "http503", "count": 2}])
    start_operator()
    pipelines.create("churn")
    failing = reasons_seen(pipelines, "churn", "AWSUnavailable")
    ready = next(c for c in failing["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"
    assert ready["message"].startswith("DescribePipeline: ServiceUnavailable: ")
    assert next(c for c in failing["status"]["conditions"] if c["type"] == "Stalled")["status"] == "False"
    assert pipelines.wait_event("churn", "AWSUnavailable").type == "Warning"
    pipelines.wait_condition("churn", "Ready", "True", "Reconciled")
    assert errors_of(emulator, "DescribePipeline")["ServiceUnavailable"] == 2
    assert calls(emulator, "CreatePipeline") == {"CreatePipeline": 1}


def test_throttling_is_retried_not_fatal(
    single_attempt: None, pipelines: Pipelines, start_operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    emulator.configure(throttle={"CreatePipeline": {"rate": 0.2, "burst": 1}})
    sagemaker_client.create_pipeline(  # takes the only token: the operator's first try is throttled
        PipelineName="other",
        PipelineDefinition=json.dumps(DEFINITION),
        RoleArn=ROLE,
        ClientRequestToken=token(),
    )
    start_operator()
    pipelines.create("churn")
    failing = reasons_seen(pipelines, "churn", "AWSUnavailable")
    ready = next(c for c in failing["status"]["conditions"] if c["type"] == "Ready")
    assert "ThrottlingException" in ready["message"]
    pipelines.wait_condition("churn", "Ready", "True", "Reconciled")
    assert errors_of(emulator, "CreatePipeline").get("ThrottlingException", 0) >= 1


def test_cut_connection_during_create_is_retried_and_creates_once(
    single_attempt: None, pipelines: Pipelines, start_operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    # Two cuts: the HTTP client itself resends once when a kept-alive connection is closed under it
    # (milliseconds apart, not the operator's retry), so the second cut is the one the operator sees.
    emulator.configure(faults=[{"operation": "CreatePipeline", "kind": "drop", "count": 2}])
    start_operator()
    pipelines.create("churn")
    failing = reasons_seen(pipelines, "churn", "AWSUnavailable")
    ready = next(c for c in failing["status"]["conditions"] if c["type"] == "Ready")
    assert ready["message"].startswith("CreatePipeline: cannot reach SageMaker")
    pipelines.wait_condition("churn", "Ready", "True", "Reconciled")
    assert [p["PipelineName"] for p in sagemaker_client.list_pipelines()["PipelineSummaries"]] == ["churn"]

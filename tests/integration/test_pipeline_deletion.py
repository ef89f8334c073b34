"""Deleting a Pipeline resource, per deletionPolicy: Retain leaves SageMaker untouched; Delete stops
the active executions, waits for them to stop, then deletes the pipeline; the finalizer goes last."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.pipelines import start
from tests.integration.pipeline_helpers import Pipelines, calls, wait_for, writes


def gone(pipelines: Pipelines, name: str, timeout: float = 30.0) -> None:
    wait_for(
        lambda: not pipelines.exists(name), timeout, f"{name} to be deleted", lambda: pipelines.get(name)
    )


def test_retain_leaves_the_sagemaker_pipeline(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    pipelines.create("churn")
    arn = pipelines.wait_condition("churn", "Ready", "True")["status"]["arn"]
    assert pipelines.get("churn")["metadata"]["finalizers"] == ["sagemaker.pipelines.dev/finalizer"]
    pipelines.delete("churn")
    gone(pipelines, "churn")
    assert sagemaker_client.describe_pipeline(PipelineName="churn")["PipelineArn"] == arn
    assert writes(emulator) == {"CreatePipeline": 1}
    assert "Retained" in pipelines.event_reasons("churn")


def test_delete_stops_active_executions_then_deletes_the_pipeline(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    emulator.configure(step_seconds=120, stop_seconds=1.5)
    pipelines.create("churn", deletionPolicy="Delete")
    pipelines.wait_condition("churn", "Ready", "True")
    running = [start(sagemaker_client, "churn", InputUrl=f"s3://in/{i}") for i in range(2)]
    finished = start(sagemaker_client, "churn", InputUrl="s3://in/done")
    sagemaker_client.stop_pipeline_execution(PipelineExecutionArn=finished, ClientRequestToken="t" * 32)
    pipelines.delete("churn")
    deleting = pipelines.wait_condition("churn", "Reconciling", "True", "Deleting", timeout=10)
    assert (
        "execution(s) of churn"
        in next(c for c in deleting["status"]["conditions"] if c["type"] == "Ready")["message"]
    )
    gone(pipelines, "churn")
    stopped = {c["request"]["PipelineExecutionArn"] for c in emulator.calls("StopPipelineExecution")}
    assert stopped == {*running, finished}  # ours for the two running, the test's for `finished`
    assert calls(emulator, "DeletePipeline") == {"DeletePipeline": 1}
    with pytest.raises(ClientError) as missing:
        sagemaker_client.describe_pipeline(PipelineName="churn")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFound"
    reasons = pipelines.event_reasons("churn")
    assert "StoppingExecutions" in reasons
    assert "Deleted" in reasons


def test_operator_default_deletion_policy_applies_when_the_spec_sets_none(
    pipelines: Pipelines, start_operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    start_operator(default_deletion_policy="Delete")
    pipelines.create("churn")
    pipelines.wait_condition("churn", "Ready", "True")
    pipelines.delete("churn")
    gone(pipelines, "churn")
    assert calls(emulator, "DeletePipeline", "StopPipelineExecution") == {
        "DeletePipeline": 1,
        "StopPipelineExecution": 0,
    }
    assert sagemaker_client.list_pipelines()["PipelineSummaries"] == []

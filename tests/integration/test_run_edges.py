"""Runs whose world changes under them: selective execution from an earlier run, an execution
that disappears, a Pipeline deleted while its run executes."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.pipelines import create as create_sagemaker_pipeline
from tests.fixtures.pipelines import job
from tests.fixtures.runs import Kube, definition, run_manifest, slow, wait_for


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def test_selective_execution_reuses_an_earlier_runs_execution(
    kube: Kube, operator: Any, sagemaker_client: Any
) -> None:
    kube.ready_pipeline()
    kube.create(run_manifest("full"))
    source = kube.wait_phase("full", "Succeeded")["executionArn"]
    kube.create(run_manifest("again", selectiveExecution={"fromRun": "full", "steps": ["Train"]}))
    status = kube.wait_phase("again", "Succeeded")
    assert status["executionArn"] != source
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=status["executionArn"])
    assert described["SelectiveExecutionConfig"]["SourcePipelineExecutionArn"] == source
    assert described["SelectiveExecutionConfig"]["SelectedSteps"] == [{"StepName": "Train"}]


def test_selective_execution_waits_for_the_source_run_to_start(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline()
    kube.create(run_manifest("later", selectiveExecution={"fromRun": "missing", "steps": ["Train"]}))
    waiting = wait_for(lambda: kube.condition("PipelineRun", "later", "Reconciling").get("reason"))
    assert waiting == "WaitingForSourceRun"
    kube.create(run_manifest("missing"))
    kube.wait_phase("later", "Succeeded")


def test_an_execution_that_disappears_ends_the_run_with_a_clear_reason(
    kube: Kube, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    kube.ready_pipeline(definition_doc=definition(slow("Long")))
    kube.create(run_manifest("orphan"))
    status = kube.wait_phase("orphan", "Executing")
    # The emulator forgets everything; the same pipeline name then exists without our execution.
    emulator.reset()
    create_sagemaker_pipeline(sagemaker_client, status["pipelineName"], job("Other"))
    status = kube.wait_phase("orphan", "Failed")
    assert status["failureReason"] == f"execution {status['executionArn']} no longer exists in SageMaker"
    stalled = kube.condition("PipelineRun", "orphan", "Stalled")
    assert (stalled["status"], stalled["reason"]) == ("True", "ExecutionNotFound")


def test_run_continues_when_its_pipeline_resource_is_deleted_with_retain(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline(definition_doc=definition(slow("Short", seconds=3)), deletionPolicy="Retain")
    kube.create(run_manifest("survivor"))
    kube.wait_phase("survivor", "Executing")
    kube.delete("Pipeline", "train")
    wait_for(lambda: kube.get("Pipeline", "train") is None, what="Pipeline gone")
    kube.wait_phase("survivor", "Succeeded", timeout=30)


def test_run_reports_its_pipeline_deleted_under_it(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline(definition_doc=definition(slow("Long")), deletionPolicy="Delete")
    kube.create(run_manifest("victim"))
    kube.wait_phase("victim", "Executing")
    kube.delete("Pipeline", "train")
    status = kube.wait_phase("victim", "Stopped", "Failed", timeout=40)
    ready = kube.condition("PipelineRun", "victim", "Ready")
    # Deletion stops the executions, then deletes the pipeline: the run sees whichever came first.
    assert (ready["status"], ready["reason"]) in {
        ("False", "ExecutionStopped"),
        ("False", "PipelineNotFound"),
    }
    assert status.get("stopReason") is None
    wait_for(lambda: kube.get("Pipeline", "train") is None, timeout=40, what="Pipeline deleted")

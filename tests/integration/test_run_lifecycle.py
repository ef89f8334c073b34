"""A PipelineRun against the real API server and the emulator: waiting for its Pipeline,
parameter checks before any call, one execution, live steps, success and failure status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.pipelines import create as create_sagemaker_pipeline
from tests.fixtures.pipelines import job, parameter
from tests.fixtures.runs import Kube, calls, definition, executions_of, run_manifest, slow, wait_for


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def test_run_starts_one_execution_and_reports_steps_until_succeeded(
    kube: Kube, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    pipeline = kube.ready_pipeline()
    kube.create(run_manifest("first", parameters={"Dataset": "s3://bucket/day1"}))
    status = kube.wait_phase("first", "Succeeded")

    assert status["executionArn"].startswith(pipeline["arn"] + "/execution/")
    assert status["pipelineName"] == pipeline["pipelineName"] and status["region"] == "us-east-1"
    assert status["pipelineVersionId"] == pipeline["pipelineVersionId"]
    assert status["definitionHash"] == pipeline["definitionHash"]
    assert status["attempts"] == 1 and status["stepSummary"] == "2/2"
    assert status["startTime"] <= status["completionTime"] and status["duration"].endswith("s")
    assert [(s["name"], s["type"], s["status"]) for s in status["steps"]] == [
        ("Prep", "Processing", "Succeeded"),
        ("Train", "Training", "Succeeded"),
    ]
    assert all(s["jobArn"].startswith("arn:aws:sagemaker:") for s in status["steps"])
    conditions = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert conditions == {
        "Ready": ("True", "ExecutionSucceeded"),
        "Reconciling": ("False", "Reconciled"),
        "Stalled": ("False", "Reconciled"),
        "Succeeded": ("True", "ExecutionSucceeded"),
    }
    assert status["observedGeneration"] == 1

    executions = executions_of(sagemaker_client, pipeline["pipelineName"])
    assert [e["PipelineExecutionDisplayName"] for e in executions] == ["first"]
    assert calls(emulator, "StartPipelineExecution") == 1
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=status["executionArn"])
    assert described["PipelineVersionId"] == pipeline["pipelineVersionId"]
    params = sagemaker_client.list_pipeline_parameters_for_execution(
        PipelineExecutionArn=status["executionArn"]
    )
    assert {"Name": "Dataset", "Value": "s3://bucket/day1"} in params["PipelineParameters"]

    reasons = [
        reason for _, reason, _ in wait_for(lambda: len(kube.events("first")) >= 3 and kube.events("first"))
    ]
    assert reasons[:2] == ["Starting", "Started"] and reasons[-1] == "ExecutionSucceeded"
    latest = wait_for(
        lambda: kube.status("Pipeline", "train").get("latestRun", {}).get("phase") == "Succeeded"
    )
    assert latest and kube.status("Pipeline", "train")["latestRun"]["name"] == "first"


def test_failed_run_names_the_failing_step_and_is_not_ready(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline(
        definition_doc=definition(job("Prep"), job("Train", "Training", description="emulator:fail"))
    )
    kube.create(run_manifest("broken"))
    status = kube.wait_phase("broken", "Failed")
    assert status["failureReason"].startswith("step 'Train' (Training) failed:")
    conditions = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert conditions["Ready"] == ("False", "ExecutionFailed")
    assert conditions["Stalled"] == ("True", "ExecutionFailed")
    assert conditions["Succeeded"] == ("False", "ExecutionFailed")
    warning = wait_for(lambda: [e for e in kube.events("broken") if e[0] == "Warning"])
    assert warning[0][1] == "ExecutionFailed" and "'Train'" in warning[0][2]


def test_run_waits_for_its_pipeline_then_starts(kube: Kube, operator: Any, emulator: Any) -> None:
    kube.create(run_manifest("early"))
    waiting = wait_for(lambda: kube.condition("PipelineRun", "early", "Reconciling").get("status") == "True")
    assert waiting
    assert kube.condition("PipelineRun", "early", "Reconciling")["reason"] == "PipelineNotFound"
    assert kube.status("PipelineRun", "early").get("phase") in (None, "Pending")
    assert calls(emulator, "StartPipelineExecution") == 0
    kube.ready_pipeline()
    kube.wait_phase("early", "Succeeded")
    assert calls(emulator, "StartPipelineExecution") == 1


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        pytest.param(
            {"Epochs": "ten"}, "parameter 'Epochs' is Integer but 'ten' is not a whole number", id="type"
        ),
        pytest.param(
            {"Epoch": "3"}, "unknown parameter 'Epoch' (declared: Epochs); did you mean 'Epochs'?", id="name"
        ),
    ],
)
def test_bad_parameters_stall_the_run_without_calling_sagemaker(
    kube: Kube, operator: Any, emulator: Any, parameters: dict[str, str], message: str
) -> None:
    kube.ready_pipeline(definition_doc=definition(parameters=[parameter("Epochs", "Integer", 10)]))
    kube.create(run_manifest("bad", parameters=parameters))
    status = kube.wait_phase("bad", "Failed")
    assert status["failureReason"] == message
    stalled = kube.condition("PipelineRun", "bad", "Stalled")
    assert (stalled["status"], stalled["reason"], stalled["message"]) == (
        "True",
        "InvalidParameters",
        message,
    )
    assert calls(emulator, "StartPipelineExecution") == 0


def test_unmanaged_pipeline_runs_only_where_the_operator_allows_it(
    kube: Kube, start_operator: Callable[..., Any], sagemaker_client: Any
) -> None:
    create_sagemaker_pipeline(sagemaker_client, "external", job("Only"))
    strict = start_operator()
    kube.create(run_manifest("refused", pipeline=None, pipelineName="external"))
    status = kube.wait_phase("refused", "Failed")
    assert kube.condition("PipelineRun", "refused", "Stalled")["reason"] == "UnmanagedPipelineNotAllowed"
    assert "allow-unmanaged-pipelines" in status["failureReason"]
    strict.stop()

    start_operator(allow_unmanaged_pipelines=True)
    kube.create(run_manifest("allowed", pipeline=None, pipelineName="external"))
    status = kube.wait_phase("allowed", "Succeeded")
    assert status["stepSummary"] == "1/1" and status["pipelineName"] == "external"


def test_executing_run_shows_its_steps_live(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline(
        definition_doc=definition(job("Prep"), slow("Train", 30, "Training", depends_on=["Prep"]))
    )
    kube.create(run_manifest("live"))
    status = wait_for(
        lambda: (s := kube.status("PipelineRun", "live")).get("stepSummary") == "1/2" and s,
        timeout=15,
        what="Prep succeeded and Train executing in the status",
    )
    assert status["phase"] == "Executing"
    assert [s["name"] for s in status["steps"]] == ["Prep", "Train"]
    assert status["steps"][0]["status"] == "Succeeded"
    assert status["steps"][1]["status"] in ("Starting", "Executing")
    assert kube.condition("PipelineRun", "live", "Ready")["message"] == "executing (1/2 steps succeeded)"
    # Later refreshes (every steps_refresh_seconds, 2 s here) follow the step into Executing; the
    # margin is for a loaded CI machine, where 10 s once was not enough.
    wait_for(
        lambda: kube.status("PipelineRun", "live")["steps"][1]["status"] == "Executing",
        timeout=20,
        what="Train executing in the status",
    )

"""Controlling running executions from Kubernetes: cancel, delete (stopOnDelete), timeoutSeconds,
retry with backoff (never after a Fail step) and ttlSecondsAfterFinished."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.pipelines import fail, job
from tests.fixtures.runs import Kube, calls, definition, executions_of, run_manifest, slow, wait_for


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def execution_status(sagemaker_client: Any, arn: str) -> str:
    return str(
        sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
    )


def test_cancel_stops_the_execution_and_reports_stopped(
    kube: Kube, operator: Any, sagemaker_client: Any
) -> None:
    kube.ready_pipeline(definition_doc=definition(slow("Long")))
    kube.create(run_manifest("cancelled"))
    arn = kube.wait_phase("cancelled", "Executing")["executionArn"]
    kube.patch("PipelineRun", "cancelled", {"spec": {"cancel": True}})
    status = kube.wait_phase("cancelled", "Stopped")
    assert status["stopReason"] == "Cancelled"
    assert execution_status(sagemaker_client, arn) == "Stopped"
    assert kube.condition("PipelineRun", "cancelled", "Succeeded")["reason"] == "ExecutionStopped"
    events = wait_for(lambda: (e := kube.events("cancelled")) and e[-1][1] == "ExecutionStopped" and e)
    reasons = [reason for _, reason, _ in events]
    assert "Stopping" in reasons


@pytest.mark.parametrize(("stop_on_delete", "expected"), [(True, "Stopped"), (False, "Executing")])
def test_deleting_a_run_stops_its_execution_unless_told_not_to(
    kube: Kube, operator: Any, sagemaker_client: Any, stop_on_delete: bool, expected: str
) -> None:
    kube.ready_pipeline(definition_doc=definition(slow("Long")))
    kube.create(run_manifest("doomed", stopOnDelete=stop_on_delete))
    arn = kube.wait_phase("doomed", "Executing")["executionArn"]
    kube.delete("PipelineRun", "doomed")
    wait_for(lambda: kube.get("PipelineRun", "doomed") is None, what="run deleted (finalizer released)")
    if expected == "Stopped":
        wait_for(lambda: execution_status(sagemaker_client, arn) == "Stopped", what="execution stopped")
    else:
        assert execution_status(sagemaker_client, arn) == "Executing"


def test_timeout_stops_the_execution_with_reason_timeout(
    kube: Kube, operator: Any, sagemaker_client: Any
) -> None:
    kube.ready_pipeline(definition_doc=definition(slow("Long")))
    kube.create(run_manifest("slowpoke", timeoutSeconds=2))
    status = kube.wait_phase("slowpoke", "Stopped", timeout=20)
    assert status["stopReason"] == "Timeout" and "timeoutSeconds=2" in status["failureReason"]
    ready = kube.condition("PipelineRun", "slowpoke", "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "Timeout")
    assert execution_status(sagemaker_client, status["executionArn"]) == "Stopped"


def test_failed_execution_is_retried_after_the_backoff_and_succeeds(
    kube: Kube, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    # The emulator fails "Train" on its first attempt only (`emulator:fail=1`).
    kube.ready_pipeline(
        definition_doc=definition(
            job("Prep"), job("Train", "Training", depends_on=["Prep"], description="emulator:fail=1")
        )
    )
    kube.create(run_manifest("flaky", retry={"maxAttempts": 3, "backoffSeconds": 1}))
    retrying = wait_for(
        lambda: kube.condition("PipelineRun", "flaky", "Reconciling").get("reason") == "Retrying"
    )
    assert retrying and kube.status("PipelineRun", "flaky")["phase"] == "Executing"
    status = kube.wait_phase("flaky", "Succeeded")
    assert status["attempts"] == 2
    assert calls(emulator, "RetryPipelineExecution") == 1
    assert len(executions_of(sagemaker_client, status["pipelineName"])) == 1  # a retry reuses the ARN
    reasons = [r for _, r, _ in kube.events("flaky")]
    assert "Retrying" in reasons and "Retried" in reasons


def test_no_retry_after_a_fail_step(kube: Kube, operator: Any, emulator: Any) -> None:
    kube.ready_pipeline(
        definition_doc=definition(job("Prep"), {**fail("Gate", "AUC below threshold"), "DependsOn": ["Prep"]})
    )
    kube.create(run_manifest("gated", retry={"maxAttempts": 3, "backoffSeconds": 1}))
    status = kube.wait_phase("gated", "Failed")
    assert status["failureReason"] == (
        "step 'Gate' (Fail) failed: AUC below threshold (not retried: a Fail step ended the execution)"
    )
    assert status["attempts"] == 1 and calls(emulator, "RetryPipelineExecution") == 0


def test_finished_run_is_deleted_after_its_ttl(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline()
    kube.create(run_manifest("short-lived", ttlSecondsAfterFinished=2))
    kube.wait_phase("short-lived", "Succeeded")
    wait_for(lambda: kube.get("PipelineRun", "short-lived") is None, timeout=20, what="TTL deletion")


def test_ttl_added_to_a_finished_run_deletes_it(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline()
    kube.create(run_manifest("kept"))
    kube.wait_phase("kept", "Succeeded")
    kube.patch("PipelineRun", "kept", {"spec": {"ttlSecondsAfterFinished": 0}})
    wait_for(
        lambda: kube.get("PipelineRun", "kept") is None, timeout=20, what="TTL deletion after the change"
    )


def test_deleting_a_run_whose_execution_ended_unseen_releases_it(
    kube: Kube, start_operator: Any, sagemaker_client: Any, emulator: Any
) -> None:
    first = start_operator()
    kube.ready_pipeline(definition_doc=definition(slow("Short", seconds=2)))
    kube.create(run_manifest("stale"))
    arn = kube.wait_phase("stale", "Executing")["executionArn"]
    first.stop()  # the status keeps saying Executing while the execution finishes
    wait_for(lambda: execution_status(sagemaker_client, arn) == "Succeeded", what="execution finished")
    kube.delete("PipelineRun", "stale")
    start_operator()
    wait_for(lambda: kube.get("PipelineRun", "stale") is None, what="finalizer released")
    assert calls(emulator, "StopPipelineExecution") == 0


def test_cancelling_a_run_that_waits_for_its_pipeline_stops_it(
    kube: Kube, operator: Any, emulator: Any
) -> None:
    kube.create(run_manifest("never"))
    wait_for(
        lambda: kube.condition("PipelineRun", "never", "Reconciling").get("reason") == "PipelineNotFound"
    )
    kube.patch("PipelineRun", "never", {"spec": {"cancel": True}})
    status = kube.wait_phase("never", "Stopped")
    assert status["stopReason"] == "Cancelled" and calls(emulator, "StartPipelineExecution") == 0


def test_ttl_also_deletes_a_run_that_failed_before_starting(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline()
    kube.create(run_manifest("typo", parameters={"Datset": "x"}, ttlSecondsAfterFinished=1))
    kube.wait_phase("typo", "Failed")
    wait_for(lambda: kube.get("PipelineRun", "typo") is None, timeout=20, what="TTL deletion")

"""plan_run: a run's whole life as a table of (run, target, what SageMaker said, now) → plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase
from sagemaker_pipelines_operator.definition.parameters import DeclaredParameter
from sagemaker_pipelines_operator.runs.plan.run import (
    DeleteRun,
    ObservedExecution,
    RetryExecution,
    RunPlan,
    StartExecution,
    StopExecution,
    plan_deletion,
    plan_retry_refused,
    plan_run,
)
from sagemaker_pipelines_operator.runs.plan.start import RunTarget

UID = "0b5e2d2c-1111-2222-3333-444455556666"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/abc123def456"
Phase = PipelineRunPhase

TARGET = RunTarget(
    pipeline_name="train",
    region="us-east-1",
    declared=(
        DeclaredParameter("Epochs", "Integer", "10", required=False),
        DeclaredParameter("Dataset", "String", None, required=True),
    ),
    version_id=3,
    definition_hash="sha256:abc",
    pipeline_label="train",
)


def make_run(spec: dict[str, Any] | None = None, status: dict[str, Any] | None = None) -> PipelineRun:
    return PipelineRun.model_validate(
        {
            "metadata": {"name": "nightly", "namespace": "ml", "uid": UID, "generation": 1},
            "spec": {"pipelineRef": {"name": "train"}, "parameters": {"Dataset": "s3://d"}, **(spec or {})},
            "status": status or {},
        }
    )


def executing(**extra: Any) -> dict[str, Any]:
    return {
        "phase": "Executing",
        "executionArn": ARN,
        "pipelineName": "train",
        "region": "us-east-1",
        "pipelineVersionId": 3,
        "attempts": 1,
        "startTime": "2026-01-01T11:50:00Z",
        **extra,
    }


def step(name: str, status: str, kind: str = "TrainingJob", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "StepName": name,
        "StepStatus": status,
        "StartTime": NOW - timedelta(minutes=9),
        "Metadata": {kind: {"Arn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name.lower()}"}},
    }
    if status in ("Succeeded", "Failed"):
        entry["EndTime"] = NOW - timedelta(minutes=1)
    entry.update(extra)
    return entry


def condition(plan: RunPlan, type_: str) -> tuple[str, str]:
    found = find_condition(plan.status.conditions, type_)
    assert found is not None, f"no {type_} condition"
    return found.status, found.reason


def test_pending_run_writes_starting_with_a_deterministic_request() -> None:
    plan = plan_run(make_run(), TARGET, None, NOW)
    assert plan.status.phase == Phase.STARTING
    assert plan.status.pipeline_version_id == 3 and plan.status.attempts == 1
    assert plan.actions == (
        StartExecution(
            {
                "PipelineName": "train",
                "ClientRequestToken": f"start-{UID}",
                "PipelineParameters": [{"Name": "Dataset", "Value": "s3://d"}],
                "PipelineExecutionDisplayName": "nightly",
                "PipelineVersionId": 3,
            }
        ),
    )
    assert condition(plan, c.READY) == ("Unknown", c.STARTING)
    assert condition(plan, c.SUCCEEDED) == ("Unknown", c.STARTING)
    assert [e.reason for e in plan.events] == [c.STARTING]


def test_resumed_starting_run_replays_the_same_request_whatever_the_pipeline_became() -> None:
    first = plan_run(make_run(), TARGET, None, NOW)
    starting = make_run(status=first.status.model_dump(by_alias=True, mode="json"))
    moved_on = RunTarget("train", "us-east-1", declared=(), version_id=9, definition_hash="sha256:new")
    replay = plan_run(starting, moved_on, None, NOW + timedelta(minutes=5))
    assert replay.actions == first.actions
    assert replay.events == ()


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        pytest.param({"Dataset": "x", "Epoch": "3"}, "unknown parameter 'Epoch'", id="unknown-name"),
        pytest.param(
            {}, "parameter 'Dataset' (String) has no default and must be given", id="missing-required"
        ),
        pytest.param(
            {"Dataset": "x", "Epochs": "ten"}, "'Epochs' is Integer but 'ten' is not a whole", id="type"
        ),
    ],
)
def test_bad_parameters_fail_the_run_without_any_api_call(parameters: dict[str, str], message: str) -> None:
    plan = plan_run(make_run({"parameters": parameters}), TARGET, None, NOW)
    assert plan.actions == ()
    assert plan.status.phase == Phase.FAILED
    assert message in (plan.status.failure_reason or "")
    assert condition(plan, c.READY) == ("False", c.INVALID_PARAMETERS)
    assert condition(plan, c.STALLED) == ("True", c.INVALID_PARAMETERS)
    assert condition(plan, c.SUCCEEDED) == ("False", c.INVALID_PARAMETERS)


def test_cancel_before_start_stops_without_calling_sagemaker() -> None:
    plan = plan_run(make_run({"cancel": True}), TARGET, None, NOW)
    assert plan.actions == () and plan.status.phase == Phase.STOPPED
    assert plan.status.stop_reason == "Cancelled"
    assert condition(plan, c.SUCCEEDED) == ("False", c.EXECUTION_STOPPED)


def test_start_result_moves_to_executing_with_the_arn() -> None:
    starting = plan_run(make_run(), TARGET, None, NOW).status
    run = make_run(status=starting.model_dump(by_alias=True, mode="json"))
    plan = plan_run(run, TARGET, ObservedExecution(arn=ARN, status="Executing"), NOW)
    assert plan.status.phase == Phase.EXECUTING and plan.status.execution_arn == ARN
    assert plan.status.start_time == NOW
    assert [(e.type, e.reason) for e in plan.events] == [("Normal", c.STARTED)]
    assert condition(plan, c.RECONCILING) == ("True", c.EXECUTING)


def test_success_lists_steps_and_is_ready() -> None:
    observed = ObservedExecution(
        ARN,
        "Succeeded",
        step_entries=[
            step("Train", "Succeeded"),
            step(
                "Check",
                "Succeeded",
                StartTime=NOW - timedelta(minutes=2),
                Metadata={"Condition": {"Outcome": "True"}},
            ),
        ],
    )
    plan = plan_run(make_run(status=executing()), None, observed, NOW)
    assert plan.status.phase == Phase.SUCCEEDED and plan.finished_now
    assert plan.status.step_summary == "2/2"
    assert plan.status.completion_time == NOW - timedelta(minutes=1)
    assert plan.status.duration == "9m0s"
    check = plan.status.steps[1]
    assert (check.type, check.condition_outcome) == ("Condition", "True")
    assert plan.status.steps[0].job_arn is not None and plan.status.steps[0].type == "Training"
    assert condition(plan, c.READY) == ("True", c.EXECUTION_SUCCEEDED)
    assert condition(plan, c.SUCCEEDED) == ("True", c.EXECUTION_SUCCEEDED)
    assert condition(plan, c.STALLED)[0] == "False" and condition(plan, c.RECONCILING)[0] == "False"


def test_failure_names_the_failing_step_and_is_not_ready() -> None:
    observed = ObservedExecution(
        ARN,
        "Failed",
        failure_reason="Step failure: One or multiple steps failed.",
        step_entries=[
            step("Prep", "Succeeded"),
            step("Train", "Failed", FailureReason="AlgorithmError: OOM"),
        ],
    )
    plan = plan_run(make_run(status=executing()), None, observed, NOW)
    assert plan.status.phase == Phase.FAILED
    assert plan.status.failure_reason == "step 'Train' (Training) failed: AlgorithmError: OOM"
    assert condition(plan, c.READY) == ("False", c.EXECUTION_FAILED)
    assert condition(plan, c.STALLED) == ("True", c.EXECUTION_FAILED)
    assert condition(plan, c.SUCCEEDED) == ("False", c.EXECUTION_FAILED)
    assert [(e.type, e.reason, e.message) for e in plan.events] == [
        ("Warning", c.EXECUTION_FAILED, "step 'Train' (Training) failed: AlgorithmError: OOM")
    ]


RETRY = {"retry": {"maxAttempts": 3, "backoffSeconds": 60}}
FAILED_TRAIN = ObservedExecution(ARN, "Failed", step_entries=[step("Train", "Failed", FailureReason="boom")])


def test_failure_with_retries_left_waits_for_the_backoff() -> None:
    plan = plan_run(make_run(RETRY, executing()), None, FAILED_TRAIN, NOW)
    assert plan.status.phase == Phase.EXECUTING and plan.actions == ()
    assert plan.status.retry_after == NOW + timedelta(seconds=60) and plan.requeue_after == 60
    assert condition(plan, c.RECONCILING) == ("True", c.RETRYING)
    assert [e.reason for e in plan.events] == [c.RETRYING]


def test_backoff_over_retries_with_an_attempt_token() -> None:
    run = make_run(RETRY, executing(retryAfter="2026-01-01T11:59:00Z", failureReason="x"))
    plan = plan_run(run, None, FAILED_TRAIN, NOW)
    assert plan.actions == (RetryExecution(ARN, f"retry-{UID}-2", 2),)
    assert plan.status.attempts == 2 and plan.status.retry_after is None
    assert [e.reason for e in plan.events] == [c.RETRIED]


def test_retry_seen_executing_before_it_was_recorded_counts_the_attempt() -> None:
    run = make_run(RETRY, executing(retryAfter="2026-01-01T11:59:00Z"))
    plan = plan_run(run, None, ObservedExecution(ARN, "Executing"), NOW)
    assert plan.actions == () and plan.status.attempts == 2 and plan.status.retry_after is None


def test_no_retry_after_a_fail_step() -> None:
    observed = ObservedExecution(
        ARN,
        "Failed",
        step_entries=[step("Gate", "Failed", "Fail", Metadata={"Fail": {"ErrorMessage": "AUC low"}})],
    )
    plan = plan_run(make_run(RETRY, executing()), None, observed, NOW)
    assert plan.status.phase == Phase.FAILED and plan.actions == ()
    assert (
        plan.status.failure_reason
        == "step 'Gate' (Fail) failed: AUC low (not retried: a Fail step ended the execution)"
    )


def test_no_retry_when_attempts_are_used_up() -> None:
    plan = plan_run(make_run(RETRY, executing(attempts=3)), None, FAILED_TRAIN, NOW)
    assert plan.status.phase == Phase.FAILED and plan.actions == ()


def test_refused_retry_fails_the_run() -> None:
    run = make_run(
        RETRY, executing(retryAfter="2026-01-01T11:59:00Z", failureReason="step 'Train' failed: x")
    )
    plan = plan_retry_refused(run, plan_run(run, None, FAILED_TRAIN, NOW), "cannot retry", NOW)
    assert plan.status.phase == Phase.FAILED and plan.status.attempts == 1
    assert plan.status.failure_reason == "step 'Train' failed: x; retry refused: cannot retry"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        pytest.param({"cancel": True}, "Cancelled", id="cancel"),
        pytest.param({"timeoutSeconds": 300}, "Timeout", id="timeout"),
    ],
)
def test_cancel_and_timeout_stop_with_a_token(spec: dict[str, Any], reason: str) -> None:
    plan = plan_run(make_run(spec, executing()), None, ObservedExecution(ARN, "Executing"), NOW)
    assert plan.actions == (StopExecution(ARN, f"stop-{UID}", reason),)
    assert plan.status.phase == Phase.STOPPING and plan.status.stop_reason == reason
    assert [e.reason for e in plan.events] == [c.STOPPING]


def test_timeout_not_reached_asks_to_be_woken_when_it_is() -> None:
    plan = plan_run(
        make_run({"timeoutSeconds": 900}, executing()), None, ObservedExecution(ARN, "Executing"), NOW
    )
    assert plan.actions == () and plan.requeue_after == 300


def test_stopping_run_is_not_stopped_twice_while_the_listing_lags() -> None:
    run = make_run({"cancel": True}, executing(phase="Stopping", stopReason="Cancelled"))
    plan = plan_run(run, None, ObservedExecution(ARN, "Executing"), NOW)
    assert plan.actions == () and plan.status.phase == Phase.STOPPING and plan.events == ()


@pytest.mark.parametrize(
    ("stop_reason", "reason"),
    [
        pytest.param("Timeout", c.TIMEOUT, id="timeout"),
        pytest.param("Cancelled", c.EXECUTION_STOPPED, id="cancelled"),
        pytest.param(None, c.EXECUTION_STOPPED, id="stopped-elsewhere"),
    ],
)
def test_stopped_run_says_why(stop_reason: str | None, reason: str) -> None:
    status = executing(phase="Stopping", stopReason=stop_reason) if stop_reason else executing()
    plan = plan_run(make_run({"timeoutSeconds": 60}, status), None, ObservedExecution(ARN, "Stopped"), NOW)
    assert plan.status.phase == Phase.STOPPED
    assert condition(plan, c.READY) == ("False", reason) and condition(plan, c.SUCCEEDED) == ("False", reason)


@pytest.mark.parametrize(
    ("missing", "reason", "text"),
    [
        pytest.param("execution", c.EXECUTION_NOT_FOUND, "no longer exists in SageMaker", id="execution"),
        pytest.param("pipeline", c.PIPELINE_NOT_FOUND, "pipeline 'train' no longer exists", id="pipeline"),
    ],
)
def test_vanished_execution_ends_the_run_clearly(missing: Any, reason: str, text: str) -> None:
    plan = plan_run(make_run(status=executing()), None, ObservedExecution(ARN, missing=missing), NOW)
    assert plan.status.phase == Phase.FAILED and plan.finished_now
    assert text in (plan.status.failure_reason or "")
    assert condition(plan, c.READY) == ("False", reason) and condition(plan, c.STALLED) == ("True", reason)


def test_completed_with_failures_is_final_and_not_ready() -> None:
    observed = ObservedExecution(
        ARN, "CompletedWithFailures", step_entries=[step("A", "Failed", FailureReason="x")]
    )
    plan = plan_run(make_run(status=executing()), None, observed, NOW)
    assert plan.status.phase == Phase.COMPLETED_WITH_FAILURES
    assert condition(plan, c.READY) == ("False", c.EXECUTION_COMPLETED_WITH_FAILURES)


def test_unchanged_execution_plans_no_events() -> None:
    run = make_run(status=executing())
    once = plan_run(
        run, None, ObservedExecution(ARN, "Executing", step_entries=[step("A", "Executing")]), NOW
    )
    again = plan_run(
        make_run(status=once.status.model_dump(by_alias=True, mode="json")),
        None,
        ObservedExecution(ARN, "Executing", step_entries=[step("A", "Executing")]),
        NOW + timedelta(seconds=5),
    )
    assert again.events == () and again.actions == ()
    assert again.status.conditions == once.status.conditions


@pytest.mark.parametrize(
    ("completed_ago", "expected"),
    [
        pytest.param(30, 30.0, id="before-ttl"),
        pytest.param(90, None, id="after-ttl"),
    ],
)
def test_ttl_deletes_the_run_after_it_finished(completed_ago: int, expected: float | None) -> None:
    done = (NOW - timedelta(seconds=completed_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = make_run({"ttlSecondsAfterFinished": 60}, executing(phase="Succeeded", completionTime=done))
    plan = plan_run(run, None, None, NOW)
    if expected is None:
        assert plan.actions == (DeleteRun(),)
    else:
        assert plan.actions == () and plan.requeue_after == expected


@pytest.mark.parametrize(
    ("spec", "status", "stops"),
    [
        pytest.param({}, executing(), True, id="executing"),
        pytest.param({"stopOnDelete": False}, executing(), False, id="stop-on-delete-false"),
        pytest.param({}, executing(phase="Succeeded"), False, id="finished"),
        pytest.param({}, {}, False, id="never-started"),
    ],
)
def test_deletion_stops_active_executions_unless_told_not_to(
    spec: dict[str, Any], status: dict[str, Any], stops: bool
) -> None:
    stop = plan_deletion(make_run(spec, status))
    assert (stop == StopExecution(ARN, f"stop-{UID}", "Deleted")) if stops else stop is None


def test_selective_execution_sends_the_source_arn_and_steps() -> None:
    source = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/source000001"
    target = RunTarget(**{**TARGET.__dict__, "source_execution_arn": source})
    run = make_run({"selectiveExecution": {"fromRun": "yesterday", "steps": ["Train"]}})
    (start,) = plan_run(run, target, None, NOW).actions
    assert isinstance(start, StartExecution)
    assert start.request["SelectiveExecutionConfig"] == {
        "SourcePipelineExecutionArn": source,
        "SelectedSteps": [{"StepName": "Train"}],
    }


def test_success_seen_before_its_steps_is_written_now_and_completed_by_the_late_steps() -> None:
    early = plan_run(make_run(status=executing()), None, ObservedExecution(ARN, "Succeeded"), NOW)
    assert early.status.phase == Phase.SUCCEEDED and early.status.completion_time == NOW
    assert [e.reason for e in early.events] == [c.EXECUTION_SUCCEEDED]
    finished = make_run(status=early.status.model_dump(by_alias=True, mode="json"))
    late = plan_run(
        finished, None, ObservedExecution(ARN, "Succeeded", step_entries=[step("Train", "Succeeded")]), NOW
    )
    assert late.status.step_summary == "1/1" and late.status.completion_time == NOW - timedelta(minutes=1)
    assert late.events == () and late.actions == ()

"""Outcome rules outside the definition, set over the admin API: an unmodified definition (no
`emulator:` directive anywhere) has its property files, failures, durations and callback answers
decided by pipeline and step name, over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.fixtures.pipelines import condition, create, fail, job, parameter, start, steps, wait

GATE = {
    "Type": "GreaterThanOrEqualTo",
    "LeftValue": {
        "Std:JsonGet": {
            "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
            "Path": "metrics.auc.value",
        }
    },
    "RightValue": {"Get": "Parameters.MinAuc"},
}
REPORT = {"PropertyFileName": "EvaluationReport", "OutputName": "evaluation", "FilePath": "evaluation.json"}


def gated_pipeline(client: Any, name: str) -> None:
    message = {"Std:Join": {"On": " ", "Values": ["AUC below", {"Get": "Parameters.MinAuc"}]}}
    create(
        client,
        name,
        job("Train", "Training"),
        job("Evaluate", depends_on=["Train"], PropertyFiles=[REPORT]),
        condition(
            "CheckAuc",
            [GATE],
            if_steps=[job("Register", "RegisterModel")],
            else_steps=[fail("TooLow", message)],
        ),
        parameters=[parameter("MinAuc", "Float", 0.8)],
    )


@pytest.mark.parametrize(
    ("auc", "expected"),
    [(0.9, ("Succeeded", "Register", "TooLow")), (0.7, ("Failed", "TooLow", "Register"))],
    ids=["auc-0.9-registers", "auc-0.7-fails"],
)
def test_property_file_from_a_rule_drives_the_gate(
    sagemaker_client: Any, emulator: Any, auc: float, expected: tuple[str, str, str]
) -> None:
    phase, taken, not_taken = expected
    gated_pipeline(sagemaker_client, "gated")
    emulator.set_outcomes(
        [
            {
                "pipeline": "gated",
                "step": "Evaluate",
                "propertyFiles": {"EvaluationReport": {"metrics": {"auc": {"value": auc}}}},
            }
        ]
    )
    arn = start(sagemaker_client, "gated")
    described = wait(sagemaker_client, arn)
    assert described["PipelineExecutionStatus"] == phase
    runs = steps(sagemaker_client, arn)
    assert taken in runs and not_taken not in runs
    if phase == "Failed":
        assert described["FailureReason"] == "AUC below 0.8"


def test_rules_apply_by_pipeline_name_only(sagemaker_client: Any, emulator: Any) -> None:
    gated_pipeline(sagemaker_client, "gated-a")
    gated_pipeline(sagemaker_client, "gated-b")
    emulator.set_outcomes(
        [
            {"step": "Evaluate", "outputs": {"metrics.auc.value": 0.95}},
            {"pipeline": "gated-b", "step": "Train", "fail": True, "failureMessage": "out of memory"},
        ]
    )
    first, second = start(sagemaker_client, "gated-a"), start(sagemaker_client, "gated-b")
    assert wait(sagemaker_client, first)["PipelineExecutionStatus"] == "Succeeded"
    assert wait(sagemaker_client, second)["PipelineExecutionStatus"] == "Failed"
    assert steps(sagemaker_client, second)["Train"]["FailureReason"] == "out of memory"


def test_failure_on_the_first_attempt_is_covered_by_the_retry_policy(
    sagemaker_client: Any, emulator: Any
) -> None:
    policy = {"ExceptionType": ["SageMaker.JOB_INTERNAL_ERROR"], "MaxAttempts": 1, "IntervalSeconds": 1}
    create(sagemaker_client, "flaky", job("Train", "Training", RetryPolicies=[policy]))
    emulator.set_outcomes([{"pipeline": "flaky", "step": "Train", "fail": 1}])
    arn = start(sagemaker_client, "flaky")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    assert steps(sagemaker_client, arn)["Train"]["AttemptCount"] == 2


def test_rule_overrides_a_directive_and_sets_the_duration(sagemaker_client: Any, emulator: Any) -> None:
    create(sagemaker_client, "directed", job("Prepare", description="emulator:fail"))
    emulator.set_outcomes([{"pipeline": "directed", "step": "Prepare", "fail": False, "seconds": 0.3}])
    arn = start(sagemaker_client, "directed")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    run = steps(sagemaker_client, arn)["Prepare"]
    assert (run["EndTime"] - run["StartTime"]).total_seconds() >= 0.3


@pytest.mark.parametrize(
    ("answer", "phase", "ran"),
    [
        ({"outputs": {"decision": "yes"}}, "Succeeded", "Deploy"),
        ({"outputs": {"decision": "no"}}, "Failed", "Rejected"),
        ({"failureReason": "reviewer said no"}, "Failed", None),
    ],
    ids=["approved", "rejected-by-output", "callback-failed"],
)
def test_callback_answered_by_a_rule(
    sagemaker_client: Any, emulator: Any, answer: dict[str, Any], phase: str, ran: str | None
) -> None:
    decision = {"Get": "Steps.Approve.OutputParameters['decision']"}
    approve = {
        "Name": "Approve",
        "Type": "Callback",
        "Arguments": {},
        "SqsQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
        "OutputParameters": [{"OutputName": "decision", "OutputType": "String"}],
    }
    gate = condition(
        "Approved",
        [{"Type": "Equals", "LeftValue": decision, "RightValue": "yes"}],
        if_steps=[job("Deploy", "Model")],
        else_steps=[fail("Rejected", "not approved")],
    )
    create(sagemaker_client, "approval", approve, gate)
    emulator.set_outcomes([{"pipeline": "approval", "step": "Approve", "callback": answer}])
    arn = start(sagemaker_client, "approval")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == phase
    runs = steps(sagemaker_client, arn)
    if ran is None:
        assert runs["Approve"]["FailureReason"] == "reviewer said no"
        assert set(runs) == {"Approve"}
    else:
        assert ran in runs


def _admin(url: str, method: str, body: object) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{url}/_emulator/outcomes", data=json.dumps(body).encode(), method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_bad_rule_is_refused_with_the_field_and_the_rules_in_force_kept(emulator: Any) -> None:
    kept = [{"pipeline": "p", "step": "A", "outputs": {"x": 1}}]
    emulator.set_outcomes(kept)
    status, body = _admin(emulator.url, "POST", [{"step": "B", "fail": 0}, {"step": "C", "propertyFile": {}}])
    assert status == 400
    assert body["error"] == (
        "outcomes[0]: Value error, fail must be true, false or a number of attempts >= 1, got 0"
    )
    status, body = _admin(emulator.url, "POST", [{"step": "C", "propertyFile": {}}])
    assert (status, body["error"]) == (400, "outcomes[0].propertyFile: Extra inputs are not permitted")
    assert emulator.outcomes() == kept
    status, body = _admin(emulator.url, "POST", [{"step": "B", "seconds": 2}])
    assert status == 200 and body == [*kept, {"step": "B", "seconds": 2.0}]

"""Step semantics of the emulator: Callback steps, Lambda outputs, every condition type, the
outcome rules of docs/emulator.md (directives, EmulatorFailSteps, fail_step_pattern)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.pipelines import (
    condition,
    create,
    fail,
    job,
    parameter,
    start,
    steps,
    token,
    wait,
    wait_for_step,
)


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def callback(name: str, outputs: list[str]) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "Callback",
        "Arguments": {"job": "approve"},
        "SqsQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
        "OutputParameters": [{"OutputName": output, "OutputType": "String"} for output in outputs],
    }


def approval_pipeline(client: Any) -> str:
    decision = {"Get": "Steps.Approve.OutputParameters['decision']"}
    gate = condition(
        "Approved",
        [{"Type": "Equals", "LeftValue": decision, "RightValue": "yes"}],
        if_steps=[job("Deploy", "Model")],
        else_steps=[fail("Rejected", "not approved")],
    )
    create(client, "approval", callback("Approve", ["decision"]), gate)
    return start(client, "approval")


def test_callback_step_waits_for_success_and_its_outputs_feed_a_condition(sagemaker_client: Any) -> None:
    arn = approval_pipeline(sagemaker_client)
    waiting = wait_for_step(sagemaker_client, arn, "Approve", "Executing")
    callback_token = waiting["Metadata"]["Callback"]["CallbackToken"]
    assert len(callback_token) == 10 and callback_token.isalnum()
    assert waiting["Metadata"]["Callback"]["SqsQueueUrl"].endswith("/approvals")
    answer = sagemaker_client.send_pipeline_execution_step_success(
        CallbackToken=callback_token,
        OutputParameters=[{"Name": "decision", "Value": "yes"}],
        ClientRequestToken=token(),
    )
    assert answer["PipelineExecutionArn"] == arn
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    runs = steps(sagemaker_client, arn)
    assert runs["Approve"]["Metadata"]["Callback"]["OutputParameters"] == [
        {"Name": "decision", "Value": "yes"}
    ]
    assert "Deploy" in runs and "Rejected" not in runs
    with pytest.raises(ClientError) as caught:
        sagemaker_client.send_pipeline_execution_step_success(CallbackToken=callback_token)
    assert error_of(caught)[0] == "ConflictException"


def test_callback_failure_fails_the_step_with_the_given_reason(sagemaker_client: Any) -> None:
    arn = approval_pipeline(sagemaker_client)
    waiting = wait_for_step(sagemaker_client, arn, "Approve", "Executing")
    sagemaker_client.send_pipeline_execution_step_failure(
        CallbackToken=waiting["Metadata"]["Callback"]["CallbackToken"], FailureReason="reviewer said no"
    )
    described = wait(sagemaker_client, arn)
    assert described["PipelineExecutionStatus"] == "Failed"
    assert steps(sagemaker_client, arn)["Approve"]["FailureReason"] == "reviewer said no"


def test_unknown_callback_token_is_resource_not_found(sagemaker_client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sagemaker_client.send_pipeline_execution_step_success(CallbackToken="AbCdE12345")
    assert error_of(caught) == ("ResourceNotFound", "Callback token 'AbCdE12345' does not exist.")


def test_stop_while_a_callback_waits(sagemaker_client: Any, emulator: Any) -> None:
    emulator.configure(stop_seconds=0.05)
    arn = approval_pipeline(sagemaker_client)
    waiting = wait_for_step(sagemaker_client, arn, "Approve", "Executing")
    sagemaker_client.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Stopped"
    with pytest.raises(ClientError) as caught:
        sagemaker_client.send_pipeline_execution_step_success(
            CallbackToken=waiting["Metadata"]["Callback"]["CallbackToken"]
        )
    assert error_of(caught)[0] == "ConflictException"


def lambda_step() -> dict[str, Any]:
    return {
        "Name": "Score",
        "Type": "Lambda",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:score",
        "Description": "emulator:out.fraud_rate=0.031 emulator:out.region=eu",
        "OutputParameters": [
            {"OutputName": "fraud_rate", "OutputType": "Float"},
            {"OutputName": "region", "OutputType": "String"},
        ],
        "Arguments": {},
    }


def gate_on(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [lambda_step(), condition("Gate", conditions, if_steps=[job("Yes")], else_steps=[job("No")])]


RATE = {"Get": "Steps.Score.OutputParameters['fraud_rate']"}
REGION = {"Get": "Steps.Score.OutputParameters['region']"}
CONDITIONS = [
    ("less-than", [{"Type": "LessThan", "LeftValue": RATE, "RightValue": 0.05}], "Yes"),
    ("greater-than", [{"Type": "GreaterThan", "LeftValue": RATE, "RightValue": 0.05}], "No"),
    ("less-or-equal-equal", [{"Type": "LessThanOrEqualTo", "LeftValue": RATE, "RightValue": 0.031}], "Yes"),
    (
        "greater-or-equal-equal",
        [{"Type": "GreaterThanOrEqualTo", "LeftValue": 0.031, "RightValue": RATE}],
        "Yes",
    ),
    ("equals-string", [{"Type": "Equals", "LeftValue": REGION, "RightValue": "eu"}], "Yes"),
    ("in", [{"Type": "In", "QueryValue": REGION, "Values": ["us", "eu"]}], "Yes"),
    ("not-in", [{"Type": "Not", "Condition": {"Type": "In", "QueryValue": REGION, "Values": ["eu"]}}], "No"),
    (
        "or",
        [
            {
                "Type": "Or",
                "Conditions": [
                    {"Type": "Equals", "LeftValue": REGION, "RightValue": "us"},
                    {"Type": "LessThan", "LeftValue": RATE, "RightValue": 0.1},
                ],
            }
        ],
        "Yes",
    ),
    (
        "all-must-hold",
        [
            {"Type": "Equals", "LeftValue": REGION, "RightValue": "eu"},
            {"Type": "GreaterThan", "LeftValue": RATE, "RightValue": 0.5},
        ],
        "No",
    ),
    (
        "parameter-vs-execution",
        [{"Type": "Equals", "LeftValue": {"Get": "Execution.PipelineName"}, "RightValue": "gates"}],
        "Yes",
    ),
]


@pytest.mark.parametrize(
    ("conditions", "branch"), [c[1:] for c in CONDITIONS], ids=[c[0] for c in CONDITIONS]
)
def test_condition_types_over_step_outputs(
    sagemaker_client: Any, conditions: list[dict[str, Any]], branch: str
) -> None:
    create(sagemaker_client, "gates", *gate_on(conditions))
    arn = start(sagemaker_client, "gates")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    runs = steps(sagemaker_client, arn)
    assert branch in runs
    assert ({"Yes", "No"} - {branch}).isdisjoint(runs)
    assert runs["Score"]["Metadata"]["Lambda"]["OutputParameters"] == [
        {"Name": "fraud_rate", "Value": "0.031"},
        {"Name": "region", "Value": "eu"},
    ]


def test_condition_that_cannot_be_evaluated_fails_its_step_with_the_reason(sagemaker_client: Any) -> None:
    report = {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.R"}, "Path": "metrics.f1"}}
    create(
        sagemaker_client,
        "unpublished",
        job("Eval", PropertyFiles=[{"PropertyFileName": "R", "OutputName": "o", "FilePath": "r.json"}]),
        condition("Gate", [{"Type": "GreaterThan", "LeftValue": report, "RightValue": 0.5}]),
    )
    arn = start(sagemaker_client, "unpublished")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Failed"
    assert steps(sagemaker_client, arn)["Gate"]["FailureReason"] == (
        "Std:JsonGet: no value at path 'metrics.f1' in property file 'R' of step 'Eval'; give step 'Eval' "
        "an outcome rule with propertyFiles or outputs, or put 'emulator:out.metrics.f1=<value>' in its "
        "Description"
    )


def test_training_metric_published_as_a_property_feeds_a_condition(sagemaker_client: Any) -> None:
    train = job(
        "Train", "Training", description="emulator:out.FinalMetricDataList['validation:auc'].Value=0.88"
    )
    metric = {"Get": "Steps.Train.FinalMetricDataList['validation:auc'].Value"}
    create(
        sagemaker_client,
        "metric",
        train,
        condition(
            "Good", [{"Type": "GreaterThan", "LeftValue": metric, "RightValue": 0.85}], if_steps=[job("Ship")]
        ),
    )
    arn = start(sagemaker_client, "metric")
    wait(sagemaker_client, arn)
    assert steps(sagemaker_client, arn)["Good"]["Metadata"]["Condition"]["Outcome"] == "True"


RULES = [
    ("fail-steps-parameter", [job("Prepare"), job("Train")], {"EmulatorFailSteps": "Train"}, {"Train"}),
    ("fail-steps-wildcard", [job("Prepare"), job("Train")], {"EmulatorFailSteps": "*"}, {"Prepare", "Train"}),
    ("name-pattern", [job("Prepare"), job("AlwaysFail-Upload")], {}, {"AlwaysFail-Upload"}),
    ("directive", [job("Prepare", description="Cleans data. emulator:fail"), job("Train")], {}, {"Prepare"}),
]


@pytest.mark.parametrize(
    ("pipeline_steps", "given", "failed"), [r[1:] for r in RULES], ids=[r[0] for r in RULES]
)
def test_outcome_rules_decide_which_steps_fail(
    sagemaker_client: Any, pipeline_steps: list[dict[str, Any]], given: dict[str, str], failed: set[str]
) -> None:
    create(
        sagemaker_client, "rules", *pipeline_steps, parameters=[parameter("EmulatorFailSteps", "String", "")]
    )
    arn = start(sagemaker_client, "rules", **given)
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Failed"
    runs = steps(sagemaker_client, arn)
    assert {name for name, run in runs.items() if run["StepStatus"] == "Failed"} == failed
    assert all(
        run["FailureReason"].startswith("Emulated failure: ")
        for run in runs.values()
        if run["StepStatus"] == "Failed"
    )


def test_step_seconds_directive_and_per_type_durations(sagemaker_client: Any, emulator: Any) -> None:
    emulator.configure(step_seconds_by_type={"Training": 0.4})
    create(
        sagemaker_client, "timing", job("Quick", description="emulator:seconds=0.01"), job("Fit", "Training")
    )
    arn = start(sagemaker_client, "timing")
    wait(sagemaker_client, arn)
    runs = steps(sagemaker_client, arn)
    assert (runs["Fit"]["EndTime"] - runs["Fit"]["StartTime"]).total_seconds() >= 0.4
    assert (runs["Quick"]["EndTime"] - runs["Quick"]["StartTime"]).total_seconds() < 0.3


def test_bad_directive_is_refused_at_create(sagemaker_client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        create(sagemaker_client, "typo", job("A", description="emulator:seconds=soon"))
    assert error_of(caught) == (
        "ValidationException",
        "Invalid pipeline definition: cannot read directive 'emulator:seconds=soon': "
        "could not convert string to float: 'soon'",
    )


def test_a_retry_policy_covering_the_failure_retries_the_step_in_place(sagemaker_client: Any) -> None:
    policy = {
        "ExceptionType": ["SageMaker.JOB_INTERNAL_ERROR"],
        "IntervalSeconds": 1,
        "BackoffRate": 2.0,
        "MaxAttempts": 2,
    }
    create(
        sagemaker_client,
        "policy",
        job("Train", "Training", description="emulator:fail=2", RetryPolicies=[policy]),
        job(
            "Other",
            "Training",
            description="emulator:fail=1",
            RetryPolicies=[{**policy, "ExceptionType": ["SageMaker.CAPACITY_ERROR"]}],
        ),
    )
    arn = start(sagemaker_client, "policy")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Failed"
    runs = steps(sagemaker_client, arn)
    assert (runs["Train"]["StepStatus"], runs["Train"]["AttemptCount"]) == ("Succeeded", 3)
    assert (runs["Other"]["StepStatus"], runs["Other"]["AttemptCount"]) == ("Failed", 1)

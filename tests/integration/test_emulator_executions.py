"""Conformance of the emulator's executions: start, parameters, idempotency, DAG order,
parallelism, conditions, Fail, Stop, Retry, selective execution, limits."""

from __future__ import annotations

import json
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


def overlap(runs: list[dict[str, Any]]) -> int:
    """The largest number of steps that were running at the same moment."""
    edges = sorted([(r["StartTime"], 1) for r in runs] + [(r["EndTime"], -1) for r in runs])
    most = current = 0
    for _, delta in edges:
        current += delta
        most = max(most, current)
    return most


def test_start_describe_and_list_an_execution(sagemaker_client: Any) -> None:
    create(
        sagemaker_client,
        "basic",
        job("Prepare"),
        job("Train", "Training", reads="Prepare"),
        parameters=[parameter("Epochs", "Integer", 10), parameter("Data", "String")],
    )
    arn = start(sagemaker_client, "basic", Data="s3://bucket/data")
    assert arn.startswith("arn:aws:sagemaker:us-east-1:123456789012:pipeline/basic/execution/")
    execution_id = arn.rsplit("/", 1)[1]
    assert len(execution_id) == 12 and execution_id.isalnum() and execution_id == execution_id.lower()
    running = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert running["PipelineExecutionStatus"] == "Executing"
    assert running["PipelineExecutionDisplayName"].startswith("execution-")
    assert running["PipelineVersionId"] == 1
    done = wait(sagemaker_client, arn)
    assert done["PipelineExecutionStatus"] == "Succeeded"
    assert "FailureReason" not in done
    listed = sagemaker_client.list_pipeline_executions(PipelineName="basic")["PipelineExecutionSummaries"]
    assert [(s["PipelineExecutionArn"], s["PipelineExecutionStatus"]) for s in listed] == [(arn, "Succeeded")]
    parameters = sagemaker_client.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)
    assert parameters["PipelineParameters"] == [
        {"Name": "Epochs", "Value": "10"},
        {"Name": "Data", "Value": "s3://bucket/data"},
    ]
    definition = sagemaker_client.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    assert [s["Name"] for s in json.loads(definition["PipelineDefinition"])["Steps"]] == ["Prepare", "Train"]
    listed_steps = steps(sagemaker_client, arn)
    assert listed_steps["Train"]["Metadata"]["TrainingJob"]["Arn"].startswith(
        f"arn:aws:sagemaker:us-east-1:123456789012:training-job/pipelines-{execution_id}-train"
    )
    assert listed_steps["Prepare"]["AttemptCount"] == 1


PARAMETER_ERRORS = [
    (
        "unknown",
        {"Data": "x", "Epoch": "3"},
        "unknown parameter 'Epoch' (declared: Data, Epochs); did you mean 'Epochs'?",
    ),
    ("missing-required", {}, "parameter 'Data' (String) has no default and must be given"),
    (
        "wrong-type",
        {"Data": "x", "Epochs": "many"},
        "parameter 'Epochs' is Integer but 'many' is not a whole number",
    ),
]


@pytest.mark.parametrize(
    ("given", "message"), [p[1:] for p in PARAMETER_ERRORS], ids=[p[0] for p in PARAMETER_ERRORS]
)
def test_start_checks_parameters_against_the_definition(
    sagemaker_client: Any, given: dict[str, str], message: str
) -> None:
    create(
        sagemaker_client,
        "params",
        job("A"),
        parameters=[parameter("Epochs", "Integer", 10), parameter("Data")],
    )
    with pytest.raises(ClientError) as caught:
        start(sagemaker_client, "params", **given)
    assert error_of(caught) == ("ValidationException", f"Invalid pipeline parameters: {message}")


def test_same_token_replays_the_execution_and_a_different_request_is_refused(sagemaker_client: Any) -> None:
    create(sagemaker_client, "idem", job("A"), parameters=[parameter("P", "String", "a")])
    request = {
        "PipelineName": "idem",
        "ClientRequestToken": token(),
        "PipelineParameters": [{"Name": "P", "Value": "b"}],
    }
    first = sagemaker_client.start_pipeline_execution(**request)["PipelineExecutionArn"]
    assert sagemaker_client.start_pipeline_execution(**request)["PipelineExecutionArn"] == first
    assert (
        len(sagemaker_client.list_pipeline_executions(PipelineName="idem")["PipelineExecutionSummaries"]) == 1
    )
    with pytest.raises(ClientError) as caught:
        sagemaker_client.start_pipeline_execution(
            **{**request, "PipelineParameters": [{"Name": "P", "Value": "c"}]}
        )
    assert error_of(caught)[0] == "ValidationException"


def test_steps_run_in_dependency_order(sagemaker_client: Any) -> None:
    create(
        sagemaker_client,
        "dag",
        job("Train", "Training", reads="Prepare"),
        job("Prepare"),
        job("Evaluate", reads="Train", depends_on=["Prepare"]),
        job("Report", depends_on=["Evaluate", "Train"]),
        job("Independent"),
    )
    arn = start(sagemaker_client, "dag")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    runs = steps(sagemaker_client, arn)
    edges = [
        ("Prepare", "Train"),
        ("Train", "Evaluate"),
        ("Prepare", "Evaluate"),
        ("Evaluate", "Report"),
        ("Train", "Report"),
    ]
    for before, after in edges:
        assert runs[after]["StartTime"] >= runs[before]["EndTime"], (before, after)
    assert runs["Independent"]["StartTime"] < runs["Prepare"]["EndTime"]
    listed = sagemaker_client.list_pipeline_execution_steps(
        PipelineExecutionArn=arn, SortOrder="Ascending", MaxResults=100
    )["PipelineExecutionSteps"]
    starts = [step["StartTime"] for step in listed]
    assert starts == sorted(starts)


@pytest.mark.parametrize(("limit", "expected"), [(1, 1), (2, 2), (None, 5)], ids=["one", "two", "unlimited"])
def test_max_parallel_execution_steps_bounds_concurrent_steps(
    sagemaker_client: Any, limit: int | None, expected: int
) -> None:
    fan_out = [job(f"Shard{i}", reads="Split") for i in range(5)]
    create(sagemaker_client, "fan", job("Split"), *fan_out)
    kwargs: dict[str, Any] = {"PipelineName": "fan", "ClientRequestToken": token()}
    if limit:
        kwargs["ParallelismConfiguration"] = {"MaxParallelExecutionSteps": limit}
    arn = sagemaker_client.start_pipeline_execution(**kwargs)["PipelineExecutionArn"]
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    shards = [run for name, run in steps(sagemaker_client, arn).items() if name.startswith("Shard")]
    assert overlap(shards) == expected


def test_pipeline_parallelism_applies_when_the_start_does_not_override_it(sagemaker_client: Any) -> None:
    create(
        sagemaker_client,
        "capped",
        *[job(f"S{i}") for i in range(4)],
        ParallelismConfiguration={"MaxParallelExecutionSteps": 1},
    )
    arn = start(sagemaker_client, "capped")
    wait(sagemaker_client, arn)
    assert overlap(list(steps(sagemaker_client, arn).values())) == 1


def deploy_if_better(threshold: float) -> list[dict[str, Any]]:
    evaluate = job(
        "Evaluate",
        description="emulator:out.metrics.auc.value=$Auc",
        PropertyFiles=[{"PropertyFileName": "Report", "OutputName": "out", "FilePath": "r.json"}],
    )
    auc = {
        "Std:JsonGet": {
            "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Report"},
            "Path": "metrics.auc.value",
        }
    }
    gate = condition(
        "AucGate",
        [{"Type": "GreaterThanOrEqualTo", "LeftValue": auc, "RightValue": threshold}],
        if_steps=[job("Register", "RegisterModel"), job("Deploy", "Model")],
        else_steps=[fail("TooWeak", {"Std:Join": {"On": " ", "Values": ["AUC below", threshold]}})],
    )
    return [evaluate, gate]


@pytest.mark.parametrize(
    ("auc", "status", "ran", "outcome"),
    [("0.93", "Succeeded", {"Register", "Deploy"}, "True"), ("0.41", "Failed", {"TooWeak"}, "False")],
    ids=["better-deploys", "worse-fails"],
)
def test_condition_runs_only_the_chosen_branch(
    sagemaker_client: Any, auc: str, status: str, ran: set[str], outcome: str
) -> None:
    create(sagemaker_client, "gate", *deploy_if_better(0.8), parameters=[parameter("Auc", "Float", 0.5)])
    arn = start(sagemaker_client, "gate", Auc=auc)
    described = wait(sagemaker_client, arn)
    assert described["PipelineExecutionStatus"] == status
    runs = steps(sagemaker_client, arn)
    assert set(runs) == {"Evaluate", "AucGate"} | ran
    assert runs["AucGate"]["Metadata"] == {"Condition": {"Outcome": outcome}}
    if status == "Failed":
        assert described["FailureReason"] == "AUC below 0.8"
        assert runs["TooWeak"]["StepStatus"] == "Failed"
        assert runs["TooWeak"]["FailureReason"] == "AUC below 0.8"
        assert runs["TooWeak"]["Metadata"] == {"Fail": {"ErrorMessage": "AUC below 0.8"}}


def test_a_failing_step_fails_the_execution_and_blocks_what_depends_on_it(sagemaker_client: Any) -> None:
    create(
        sagemaker_client,
        "breaks",
        job("Prepare"),
        job("Train", reads="Prepare", description="emulator:fail"),
        job("Deploy", reads="Train"),
    )
    arn = start(sagemaker_client, "breaks")
    described = wait(sagemaker_client, arn)
    assert described["PipelineExecutionStatus"] == "Failed"
    assert described["FailureReason"] == "Step failure: One or multiple steps failed."
    runs = steps(sagemaker_client, arn)
    assert runs["Train"]["StepStatus"] == "Failed"
    assert "emulator:fail" in runs["Train"]["FailureReason"]
    assert "Deploy" not in runs


def test_stop_moves_execution_and_running_steps_through_stopping_to_stopped(
    sagemaker_client: Any, emulator: Any
) -> None:
    emulator.configure(step_seconds=30, stop_seconds=0.3)
    create(sagemaker_client, "stoppable", job("Long"), job("After", reads="Long"))
    arn = start(sagemaker_client, "stoppable")
    wait_for_step(sagemaker_client, arn, "Long", "Starting")
    sagemaker_client.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    assert (
        sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        == "Stopping"
    )
    assert steps(sagemaker_client, arn)["Long"]["StepStatus"] == "Stopping"
    sagemaker_client.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Stopped"
    assert set(steps(sagemaker_client, arn)) == {"Long"}
    assert steps(sagemaker_client, arn)["Long"]["StepStatus"] == "Stopped"
    with pytest.raises(ClientError) as caught:
        sagemaker_client.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    assert error_of(caught)[0] == "ConflictException"


def test_retry_resumes_from_the_failed_step_under_the_same_arn(sagemaker_client: Any) -> None:
    create(
        sagemaker_client,
        "flaky",
        job("Prepare"),
        job("Train", reads="Prepare", description="emulator:fail=1"),
        job("Deploy", reads="Train"),
    )
    arn = start(sagemaker_client, "flaky")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Failed"
    prepared = steps(sagemaker_client, arn)["Prepare"]
    retry_token = token()
    retried = sagemaker_client.retry_pipeline_execution(
        PipelineExecutionArn=arn, ClientRequestToken=retry_token
    )
    assert retried["PipelineExecutionArn"] == arn
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    runs = steps(sagemaker_client, arn)
    assert runs["Prepare"] == prepared
    assert runs["Train"]["AttemptCount"] == 2
    assert runs["Train"]["StepStatus"] == "Succeeded"
    assert runs["Deploy"]["StepStatus"] == "Succeeded"
    replay = sagemaker_client.retry_pipeline_execution(
        PipelineExecutionArn=arn, ClientRequestToken=retry_token
    )
    assert replay["PipelineExecutionArn"] == arn
    with pytest.raises(ClientError) as caught:
        sagemaker_client.retry_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    assert error_of(caught)[0] == "ConflictException"


def test_retry_is_refused_after_a_fail_step(sagemaker_client: Any) -> None:
    create(sagemaker_client, "final", fail("Stop", "nothing to do"))
    arn = start(sagemaker_client, "final")
    assert wait(sagemaker_client, arn)["FailureReason"] == "nothing to do"
    with pytest.raises(ClientError) as caught:
        sagemaker_client.retry_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert message.endswith("stopped at a Fail step (nothing to do); it cannot be retried.")


def test_selective_execution_reuses_upstream_outputs_from_the_source_run(sagemaker_client: Any) -> None:
    create(
        sagemaker_client,
        "selective",
        job("Prepare"),
        job("Train", reads="Prepare"),
        job("Evaluate", reads="Train"),
        job("Report", reads="Evaluate"),
    )
    source = start(sagemaker_client, "selective")
    wait(sagemaker_client, source)
    arn = sagemaker_client.start_pipeline_execution(
        PipelineName="selective",
        ClientRequestToken=token(),
        SelectiveExecutionConfig={
            "SourcePipelineExecutionArn": source,
            "SelectedSteps": [{"StepName": "Train"}, {"StepName": "Evaluate"}],
        },
    )["PipelineExecutionArn"]
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    runs = steps(sagemaker_client, arn)
    assert set(runs) == {"Prepare", "Train", "Evaluate"}
    assert runs["Prepare"]["SelectiveExecutionResult"] == {"SourcePipelineExecutionArn": source}
    assert "SelectiveExecutionResult" not in runs["Train"]
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert described["SelectiveExecutionConfig"]["SelectedSteps"] == [
        {"StepName": "Train"},
        {"StepName": "Evaluate"},
    ]


def test_selective_execution_must_select_every_step_between_selected_ones(sagemaker_client: Any) -> None:
    create(
        sagemaker_client,
        "gaps",
        job("Prepare"),
        job("Train", reads="Prepare"),
        job("Evaluate", reads="Train"),
    )
    with pytest.raises(ClientError) as caught:
        sagemaker_client.start_pipeline_execution(
            PipelineName="gaps",
            ClientRequestToken=token(),
            SelectiveExecutionConfig={"SelectedSteps": [{"StepName": "Prepare"}, {"StepName": "Evaluate"}]},
        )
    assert error_of(caught) == (
        "ValidationException",
        "All steps on the paths between selected steps must be selected; missing: Train.",
    )
    with pytest.raises(ClientError) as caught:
        sagemaker_client.start_pipeline_execution(
            PipelineName="gaps",
            ClientRequestToken=token(),
            SelectiveExecutionConfig={"SelectedSteps": [{"StepName": "Evaluate"}]},
        )
    assert error_of(caught)[1].startswith(
        "Selected steps depend on steps that are not selected (Prepare, Train)"
    )


def test_concurrent_execution_limit_is_resource_limit_exceeded(sagemaker_client: Any, emulator: Any) -> None:
    emulator.configure(step_seconds=30, max_concurrent_executions=2)
    create(sagemaker_client, "limited", job("A"))
    start(sagemaker_client, "limited")
    start(sagemaker_client, "limited")
    with pytest.raises(ClientError) as caught:
        start(sagemaker_client, "limited")
    code, message = error_of(caught)
    assert code == "ResourceLimitExceeded"
    assert "'Maximum number of concurrent pipeline executions' is 2 Executions" in message


def test_update_pipeline_execution_changes_names_and_parallelism(
    sagemaker_client: Any, emulator: Any
) -> None:
    emulator.configure(step_seconds=0.2)
    create(sagemaker_client, "tune", *[job(f"S{i}") for i in range(4)])
    arn = sagemaker_client.start_pipeline_execution(
        PipelineName="tune",
        ClientRequestToken=token(),
        ParallelismConfiguration={"MaxParallelExecutionSteps": 1},
    )["PipelineExecutionArn"]
    sagemaker_client.update_pipeline_execution(
        PipelineExecutionArn=arn,
        PipelineExecutionDisplayName="nightly-42",
        PipelineExecutionDescription="rerun",
        ParallelismConfiguration={"MaxParallelExecutionSteps": 4},
    )
    described = wait(sagemaker_client, arn)
    assert described["PipelineExecutionDisplayName"] == "nightly-42"
    assert described["PipelineExecutionDescription"] == "rerun"
    assert described["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 4}
    # S0 started alone; raising the limit lets S1-S3 start while it still runs.
    assert overlap(list(steps(sagemaker_client, arn).values())) == 4


def test_unknown_execution_is_resource_not_found(sagemaker_client: Any) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/none/execution/abcdefabcdef"
    for call in (
        sagemaker_client.describe_pipeline_execution,
        sagemaker_client.list_pipeline_execution_steps,
        sagemaker_client.describe_pipeline_definition_for_execution,
    ):
        with pytest.raises(ClientError) as caught:
            call(PipelineExecutionArn=arn)
        assert error_of(caught) == ("ResourceNotFound", f"Pipeline execution '{arn}' does not exist.")


def test_list_executions_pages_and_sorts(sagemaker_client: Any) -> None:
    create(sagemaker_client, "many", job("A"))
    arns = [start(sagemaker_client, "many") for _ in range(12)]
    pages = list(
        sagemaker_client.get_paginator("list_pipeline_executions").paginate(
            PipelineName="many", SortOrder="Ascending", PaginationConfig={"PageSize": 5}
        )
    )
    assert [len(p["PipelineExecutionSummaries"]) for p in pages] == [5, 5, 2]
    assert [s["PipelineExecutionArn"] for p in pages for s in p["PipelineExecutionSummaries"]] == arns

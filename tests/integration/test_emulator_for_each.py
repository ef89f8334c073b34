"""ForEach in the emulator over HTTP: the SDK 3.x definition fans its body out per item within
MaxConcurrency, ListPipelineExecutionSteps shows ForEachStepMetadata and each child's
IterationContext as botocore models them (responses are checked against the model), and
downstream steps read the counts, IterationOutputs and the Selector's pick."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.pipelines import condition, fail, start, steps, token, wait, wait_for_step

V3 = json.loads((Path(__file__).parents[1] / "data" / "definitions" / "foreach-v3.json").read_text())
ROLE = "arn:aws:iam::123456789012:role/pipelines"


def create_v3(client: Any, name: str, definition: dict[str, Any]) -> None:
    client.create_pipeline(
        PipelineName=name,
        PipelineDefinition=json.dumps(definition),
        RoleArn=ROLE,
        ClientRequestToken=name * 4,
    )


def peak_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, delta in edges:  # an end sorts before a start at the same instant
        current += delta
        peak = max(peak, current)
    return peak


def test_for_each_runs_every_item_within_max_concurrency(sagemaker_client: Any) -> None:
    create_v3(sagemaker_client, "per-region", V3)
    arn = start(sagemaker_client, "per-region")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    runs = steps(sagemaker_client, arn)
    children = {name: run for name, run in runs.items() if "IterationContext" in run}
    assert sorted(children) == [f"{body}-{i}" for body in ("PrepareRegion", "ScoreRegion") for i in range(3)]
    regions = ["us-east-1", "eu-west-1", "ap-south-1"]
    for index, region in enumerate(regions):
        assert children[f"ScoreRegion-{index}"]["IterationContext"] == {
            "ParentStepName": "PerRegion",
            "Index": index,
            "Item": region,
        }
        assert children[f"PrepareRegion-{index}"]["StartTime"] >= children[f"ScoreRegion-{index}"]["EndTime"]
    assert {run["StepStatus"] for run in children.values()} == {"Succeeded"}
    arns = {run["Metadata"]["ProcessingJob"]["Arn"] for name, run in children.items() if "Prepare" in name}
    assert len(arns) == 3, "each iteration runs its own job"
    assert peak_overlap([(run["StartTime"], run["EndTime"]) for run in children.values()]) == 2
    parent = runs["PerRegion"]
    assert "IterationContext" not in parent
    assert parent["Metadata"]["ForEach"] == {
        "Status": "Succeeded",
        "InputItemCount": 3,
        "TotalStepCount": 6,
        "SucceededStepCount": 6,
        "FailedStepCount": 0,
        "StoppedStepCount": 0,
    }
    assert runs["Report"]["StartTime"] >= parent["EndTime"]


def test_failed_iteration_fails_the_for_each_and_starts_no_more_children(
    sagemaker_client: Any, emulator: Any
) -> None:
    definition = copy.deepcopy(V3)
    definition["Steps"][0]["Arguments"]["MaxConcurrency"] = 1
    create_v3(sagemaker_client, "per-region-fails", definition)
    emulator.set_outcomes([{"step": "ScoreRegion-1", "fail": True, "failureMessage": "region closed"}])
    arn = start(sagemaker_client, "per-region-fails")
    described = wait(sagemaker_client, arn)
    assert described["PipelineExecutionStatus"] == "Failed"
    runs = steps(sagemaker_client, arn)
    assert runs["ScoreRegion-1"]["FailureReason"] == "region closed"
    assert "ScoreRegion-2" not in runs and "Report" not in runs
    parent = runs["PerRegion"]
    assert parent["StepStatus"] == "Failed"
    assert parent["FailureReason"] == "ForEach step 'PerRegion': 1 of 6 iteration steps failed"
    metadata = parent["Metadata"]["ForEach"]
    assert (metadata["Status"], metadata["SucceededStepCount"], metadata["FailedStepCount"]) == (
        "Failed",
        2,
        1,
    )


def test_downstream_steps_read_counts_iteration_outputs_and_the_selected_iteration(
    sagemaker_client: Any, emulator: Any
) -> None:
    definition = copy.deepcopy(V3)
    selected = {"Get": "Steps.PerRegion.Selected.OutputParameters['score']"}
    second = {"Get": "Steps.PerRegion.IterationOutputs[1].ScoreRegion.OutputParameters['score']"}
    checks = [
        {"Type": "Equals", "LeftValue": {"Get": "Steps.PerRegion.SucceededStepCount"}, "RightValue": 6},
        {"Type": "Equals", "LeftValue": selected, "RightValue": 0.9},
        {"Type": "Equals", "LeftValue": second, "RightValue": 0.9},
    ]
    definition["Steps"].append(condition("Gate", checks, else_steps=[fail("WrongPick", "selector mismatch")]))
    create_v3(sagemaker_client, "per-region-pick", definition)
    emulator.set_outcomes(
        [
            {"step": "ScoreRegion", "outputs": {"score": 0.5}},
            {"step": "ScoreRegion-1", "outputs": {"score": 0.9}},
        ]
    )
    arn = start(sagemaker_client, "per-region-pick")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    runs = steps(sagemaker_client, arn)
    assert runs["PerRegion"]["Metadata"]["ForEach"]["Selector"] == {"StepName": "ScoreRegion", "Index": 1}
    assert runs["Gate"]["Metadata"]["Condition"]["Outcome"] == "True"


def test_items_that_are_not_a_json_list_fail_the_for_each_with_the_reason(sagemaker_client: Any) -> None:
    create_v3(sagemaker_client, "per-region-bad-items", V3)
    arn = start(sagemaker_client, "per-region-bad-items", Regions="us-east-1")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Failed"
    reason = steps(sagemaker_client, arn)["PerRegion"]["FailureReason"]
    assert reason.startswith("ForEach step 'PerRegion': IterableItems is not a JSON list")


def test_selecting_a_body_step_is_refused_with_its_for_each_named(sagemaker_client: Any) -> None:
    create_v3(sagemaker_client, "per-region-selective", V3)
    source = start(sagemaker_client, "per-region-selective")
    wait(sagemaker_client, source)
    with pytest.raises(ClientError) as caught:
        sagemaker_client.start_pipeline_execution(
            PipelineName="per-region-selective",
            ClientRequestToken=token(),
            SelectiveExecutionConfig={
                "SourcePipelineExecutionArn": source,
                "SelectedSteps": [{"StepName": "ScoreRegion"}],
            },
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "Steps inside a ForEach body cannot be selected: 'ScoreRegion' (select ForEach 'PerRegion')."
    )


def test_stopping_the_execution_stops_the_running_children_and_the_for_each(sagemaker_client: Any) -> None:
    definition = copy.deepcopy(V3)
    definition["Steps"][0]["Arguments"]["ForEachBody"][0]["Description"] = "emulator:seconds=5"
    create_v3(sagemaker_client, "per-region-stop", definition)
    arn = start(sagemaker_client, "per-region-stop")
    wait_for_step(sagemaker_client, arn, "ScoreRegion-1", "Executing")
    sagemaker_client.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Stopped"
    runs = steps(sagemaker_client, arn)
    assert {runs[f"ScoreRegion-{i}"]["StepStatus"] for i in (0, 1)} == {"Stopped"}
    assert "ScoreRegion-2" not in runs and "Report" not in runs
    assert runs["PerRegion"]["StepStatus"] == "Stopped"
    assert runs["PerRegion"]["Metadata"]["ForEach"]["Status"] == "Stopped"


SDK3_STEPS = [
    {
        "Name": "Query",
        "Type": "Athena",
        "Arguments": {
            "QueryString": "SELECT region FROM scores",
            "ResultConfiguration": {"OutputLocation": "s3://b/athena/"},
        },
    },
    {
        "Name": "Tune",
        "Type": "Job",
        "Arguments": {
            "JobCategory": "AgentRFT",
            "JobConfigSchemaVersion": "1.0.0",
            "JobConfigDocument": "{}",
            "RoleArn": "arn:aws:iam::123456789012:role/r",
        },
    },
    {
        "Name": "Import",
        "Type": "HubContent",
        "Arguments": {
            "HubName": "models",
            "HubContentName": "churn",
            "HubContentType": "Model",
            "DocumentSchemaVersion": "2.0.0",
            "HubContentDocument": "{}",
        },
    },
    {
        "Name": "Clean",
        "Type": "Cleanup",
        "DependsOn": ["Query", "Tune"],
        "Arguments": {"Resources": {"S3": [{"StepName": "Query"}, {"StepName": "Tune"}]}},
    },
]


def test_job_athena_cleanup_and_hub_content_steps_run_with_their_modelled_metadata(
    sagemaker_client: Any,
) -> None:
    definition = {"Version": "2020-12-01", "Parameters": [], "Steps": SDK3_STEPS}
    create_v3(sagemaker_client, "sdk3-types", definition)
    arn = start(sagemaker_client, "sdk3-types")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    runs = steps(sagemaker_client, arn)
    assert runs["Tune"]["Metadata"]["Job"]["Arn"].startswith(
        "arn:aws:sagemaker:us-east-1:123456789012:job/AgentRFT/"
    )
    athena = runs["Query"]["Metadata"]["Athena"]
    assert athena["S3OutputLocation"] == f"s3://b/athena/{athena['QueryExecutionId']}.csv"
    assert runs["Clean"]["Metadata"]["Cleanup"] == {
        "CleanedSteps": ["Query", "Tune"],
        "FailedSteps": [],
        "SkippedSteps": [],
    }
    hub = runs["Import"]["Metadata"]["HubContent"]
    assert hub["HubArn"].endswith(":hub/models") and hub["HubContentArn"].endswith(
        ":hub-content/models/Model/churn/1"
    )

"""validate_definition on SDK 3.x definitions: ForEach fan-outs, the new step types, MlflowConfig."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sagemaker_pipelines_operator.definition import validate_definition
from sagemaker_pipelines_operator.definition.graph import step_dependencies

SAMPLE = Path(__file__).parents[1] / "data" / "definitions" / "foreach-v3.json"
BASE: dict[str, Any] = json.loads(SAMPLE.read_text())

Mutation = Callable[[dict[str, Any]], None]


def for_each(definition: dict[str, Any]) -> dict[str, Any]:
    return definition["Steps"][0]["Arguments"]  # type: ignore[no-any-return]


def body(definition: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return for_each(definition)["ForEachBody"][index]  # type: ignore[no-any-return]


def report(definition: dict[str, Any]) -> dict[str, Any]:
    return definition["Steps"][1]["Arguments"]  # type: ignore[no-any-return]


def messages_after(mutation: Mutation) -> list[str]:
    definition = copy.deepcopy(BASE)
    mutation(definition)
    return [str(problem) for problem in validate_definition(definition)]


def test_sdk3_for_each_definition_is_valid() -> None:
    assert validate_definition(BASE) == []


def test_for_each_waits_for_what_its_body_reads_and_body_steps_are_not_nodes() -> None:
    definition = copy.deepcopy(BASE)
    definition["Steps"].insert(0, {"Name": "ListRegions", "Type": "Lambda", "Arguments": {}})
    for_each_step = definition["Steps"][1]["Arguments"]
    for_each_step["ForEachBody"][0]["Arguments"]["limit"] = {"Get": "Steps.ListRegions.OutputParameters['n']"}
    graph = step_dependencies(definition)
    assert set(graph) == {"ListRegions", "PerRegion", "Report"}
    assert graph["PerRegion"] == {"ListRegions"}
    assert graph["Report"] == {"PerRegion"}


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: object) -> Mutation:
    return lambda d: path(d).__setitem__(key, value)


def _drop(path: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Mutation:
    return lambda d: path(d).pop(key)


def _body_type(step_type: str) -> Mutation:
    return lambda d: body(d).__setitem__("Type", step_type)


JOB = {
    "JobCategory": "AgentRFT",
    "JobConfigSchemaVersion": "1.0.0",
    "JobConfigDocument": "{}",
    "RoleArn": "arn:aws:iam::1:role/r",
}
ATHENA = {"QueryString": "SELECT region, score FROM scores", "WorkGroup": "primary"}
HUB = {
    "HubName": "models",
    "HubContentName": "churn",
    "HubContentType": "Model",
    "DocumentSchemaVersion": "2.0.0",
    "HubContentDocument": "{}",
}


def _add_step(step: dict[str, Any]) -> Mutation:
    return lambda d: d["Steps"].append(step)


CASES = [
    pytest.param(
        _drop(for_each, "IterableItems"),
        "step 'PerRegion': Arguments.IterableItems: a ForEach step needs IterableItems",
        id="items-missing",
    ),
    pytest.param(
        _set(for_each, "IterableItems", []),
        "Arguments.IterableItems: a list of items holds 1 to 100, got 0",
        id="items-empty-list",
    ),
    pytest.param(
        _set(for_each, "IterableItems", [f"r{i}" for i in range(101)]),
        "a list of items holds 1 to 100, got 101",
        id="items-over-100",
    ),
    pytest.param(
        _set(for_each, "IterableItems", ["a", None]),
        "Arguments.IterableItems[1]: an item is a string, number, boolean or reference, got null",
        id="items-null-element",
    ),
    pytest.param(
        _set(for_each, "IterableItems", "us-east-1"),
        "IterableItems must be a list or a reference to a JSON list; a single value ('us-east-1') cannot be",
        id="items-literal-string",
    ),
    pytest.param(
        _set(for_each, "IterableItems", {"Get": "Parameters.Region"}),
        "Arguments.IterableItems.Get: no parameter named 'Region'; did you mean 'Regions'?",
        id="items-unknown-parameter",
    ),
    pytest.param(
        lambda d: (
            d["Parameters"].append({"Name": "Count", "Type": "Integer", "DefaultValue": 3}),
            for_each(d).__setitem__("IterableItems", {"Get": "Parameters.Count"}),
        ),
        "parameter 'Count' is a Integer; IterableItems needs a String holding a JSON list",
        id="items-integer-parameter",
    ),
    pytest.param(
        _drop(for_each, "MaxConcurrency"),
        "Arguments.MaxConcurrency: a ForEach step needs MaxConcurrency, an integer from 1 to 50",
        id="concurrency-missing",
    ),
    pytest.param(
        _set(for_each, "MaxConcurrency", 51),
        "MaxConcurrency must be an integer from 1 to 50, got 51",
        id="concurrency-too-high",
    ),
    pytest.param(_set(for_each, "MaxConcurrency", True), "got True", id="concurrency-bool"),
    pytest.param(
        lambda d: (for_each(d).__setitem__("ForEachBody", []), for_each(d).pop("Selector"), d["Steps"].pop()),
        "Arguments.ForEachBody: a ForEach step needs ForEachBody, a non-empty list of steps",
        id="body-empty",
    ),
    pytest.param(
        _body_type("Condition"),
        "Arguments.ForEachBody[0].Type: a Condition step cannot be in a ForEach body",
        id="body-condition",
    ),
    pytest.param(
        _body_type("ForEach"), "a ForEach step cannot be in a ForEach body", id="body-nested-foreach"
    ),
    pytest.param(
        _set(for_each, "Parallel", 3),
        "Arguments.Parallel: unknown ForEach argument",
        id="unknown-argument",
    ),
    pytest.param(
        lambda d: for_each(d)["Selector"].__setitem__("Pick", "Max"),
        "Arguments.Selector.Pick: Pick must be one of MaxBy, MinBy, got 'Max'",
        id="selector-pick",
    ),
    pytest.param(
        lambda d: for_each(d)["Selector"].__setitem__("Field", {"Get": "IterationOutput.Report.Status"}),
        "Selector.Field.Get: 'Report' is not a body step of this ForEach (body: ScoreRegion, PrepareRegion)",
        id="selector-not-body-step",
    ),
    pytest.param(
        lambda d: for_each(d)["Selector"].__setitem__("Field", {"Get": "IterationOutput.ScoreRegion"}),
        "Field must be {Get: 'IterationOutput.<body step>.<member>'}, drilling at least one member deep",
        id="selector-no-member",
    ),
    pytest.param(
        _set(report, "x", {"Get": "ForEach.CurrentItem"}),
        "step 'Report': Arguments.x.Get: 'ForEach.CurrentItem' can only be read by the body steps",
        id="current-item-outside-body",
    ),
    pytest.param(
        lambda d: body(d)["Arguments"].__setitem__("x", {"Get": "ForEach.Item"}),
        "unknown ForEach variable 'ForEach.Item' (known: ForEach.CurrentItem)",
        id="foreach-unknown-variable",
    ),
    pytest.param(
        _set(report, "x", {"Get": "IterationOutput.ScoreRegion.OutputParameters['score']"}),
        "can only be the Field of a ForEach step's Selector",
        id="iteration-output-outside-selector",
    ),
    pytest.param(
        _set(report, "x", {"Get": "Steps.ScoreRegion.OutputParameters['score']"}),
        "cannot read 'Steps.ScoreRegion.OutputParameters['score']': it runs once per item in ForEach "
        "'PerRegion'; use Steps.PerRegion.IterationOutputs[<index>].ScoreRegion...",
        id="body-step-read-from-outside",
    ),
    pytest.param(
        lambda d: d["Steps"][1].__setitem__("DependsOn", ["ScoreRegion"]),
        "DependsOn[0]: cannot depend on 'ScoreRegion': it runs once per item",
        id="body-step-depended-on-from-outside",
    ),
    pytest.param(
        lambda d: body(d)["Arguments"].__setitem__("x", {"Get": "Steps.PerRegion.Status"}),
        "a body step cannot read 'Steps.PerRegion.Status', the ForEach step that runs it",
        id="body-reads-its-parent",
    ),
    pytest.param(
        _set(report, "x", {"Get": "Steps.PerRegion.IterationOutputs[0].Report.Status"}),
        "'Report' is not a body step of ForEach 'PerRegion'",
        id="iteration-outputs-wrong-body-step",
    ),
    pytest.param(
        _set(report, "x", {"Get": "Steps.PerRegion.IterationOutputs.ScoreRegion.Status"}),
        "a ForEach step has Status, InputItemCount, TotalStepCount",
        id="iteration-outputs-not-indexed",
    ),
    pytest.param(
        lambda d: for_each(d).pop("Selector"),
        "ForEach 'PerRegion' has no Selector, so nothing is Selected",
        id="selected-without-selector",
    ),
    pytest.param(
        _add_step({"Name": "ScoreRegion-0", "Type": "Lambda", "Arguments": {}}),
        "step 'ScoreRegion-0' is named like an iteration of body step 'ScoreRegion'",
        id="name-clashes-with-iteration",
    ),
    pytest.param(
        _add_step({"Name": "Tune", "Type": "Job", "Arguments": dict(JOB, JobConfigDocument=None)}),
        "step 'Tune': Arguments.JobConfigDocument: JobConfigDocument must be a string, got None "
        "(sagemaker.CreateJob)",
        id="job-document-null",
    ),
    pytest.param(
        _add_step(
            {"Name": "Tune", "Type": "Job", "Arguments": {k: v for k, v in JOB.items() if k != "RoleArn"}}
        ),
        "step 'Tune': Arguments.RoleArn: a Job step needs Arguments.RoleArn "
        "(sagemaker.CreateJob requires it)",
        id="job-without-role",
    ),
    pytest.param(
        _add_step({"Name": "Tune", "Type": "Job", "Arguments": dict(JOB, JobCategory="Training")}),
        "Arguments.JobCategory: JobCategory must be one of AgentRFT, SyntheticDataGeneration",
        id="job-category-not-modelled",
    ),
    pytest.param(
        _add_step({"Name": "Query", "Type": "Athena", "Arguments": {"WorkGroup": "primary"}}),
        "step 'Query': Arguments.QueryString: a Athena step needs Arguments.QueryString "
        "(athena.StartQueryExecution requires it)",
        id="athena-without-query",
    ),
    pytest.param(
        _add_step({"Name": "Query", "Type": "Athena", "Arguments": dict(ATHENA, QueryStrng="SELECT 1")}),
        "step 'Query': Arguments.QueryStrng: QueryStrng is not a member of the request; "
        "did you mean 'QueryString'? (athena.StartQueryExecution)",
        id="athena-misspelt-member",
    ),
    pytest.param(
        _add_step(
            {
                "Name": "Query",
                "Type": "Athena",
                "Arguments": dict(
                    ATHENA,
                    ResultConfiguration={"EncryptionConfiguration": {"EncryptionOption": "AES256"}},
                ),
            }
        ),
        "Arguments.ResultConfiguration.EncryptionConfiguration.EncryptionOption: EncryptionOption must be "
        "one of SSE_S3, SSE_KMS, CSE_KMS, got 'AES256'",
        id="athena-encryption-not-modelled",
    ),
    pytest.param(
        _add_step(
            {
                "Name": "Query",
                "Type": "Athena",
                "Arguments": dict(ATHENA, EngineConfiguration={"MaxConcurrentDpus": 1}),
            }
        ),
        "Arguments.EngineConfiguration.MaxConcurrentDpus: MaxConcurrentDpus must be at least 2, got 1",
        id="athena-dpus-below-the-model",
    ),
    pytest.param(
        _add_step(
            {
                "Name": "Import",
                "Type": "HubContent",
                "Arguments": {k: v for k, v in HUB.items() if k != "HubContentName"},
            }
        ),
        "step 'Import': Arguments.HubContentName: a HubContent step needs Arguments.HubContentName "
        "(sagemaker.ImportHubContent requires it)",
        id="hub-content-without-name",
    ),
    pytest.param(
        _add_step({"Name": "Import", "Type": "HubContent", "Arguments": dict(HUB, HubContentType="Dataset")}),
        "Arguments.HubContentType: HubContentType must be one of Model, Notebook",
        id="hub-content-type-not-modelled",
    ),
    pytest.param(
        _add_step({"Name": "Query", "Type": "Athena"}),
        "step 'Query': Arguments: a Athena step needs Arguments, an object",
        id="athena-without-arguments",
    ),
    pytest.param(
        _add_step({"Name": "Clean", "Type": "Cleanup", "Arguments": {"Resources": {"S3": []}}}),
        "Arguments.Resources.S3: a Cleanup step needs Resources.S3, a non-empty list",
        id="cleanup-no-sources",
    ),
    pytest.param(
        _add_step(
            {"Name": "Clean", "Type": "Cleanup", "Arguments": {"Resources": {"S3": [{"StepName": "Report"}]}}}
        ),
        "Arguments.Resources.S3[0].StepName: Cleanup deletes outputs of 'Report' and must run after "
        "it: add 'Report' to DependsOn",
        id="cleanup-source-not-upstream",
    ),
    pytest.param(
        _add_step({"Name": "Pull", "Type": "HubContnt", "Arguments": {}}),
        "unknown step type 'HubContnt'; did you mean 'HubContent'?",
        id="hub-content-typo",
    ),
    pytest.param(
        lambda d: d.__setitem__("MlflowConfig", {"MlflowExperimentName": "churn"}),
        "MlflowConfig.MlflowResourceArn: MlflowConfig needs MlflowResourceArn",
        id="mlflow-without-arn",
    ),
    pytest.param(
        lambda d: d.__setitem__("MlflowConfig", {"MlflowResourceArn": "arn:x", "TrackingUri": "y"}),
        "MlflowConfig.TrackingUri: unknown field (expected MlflowResourceArn, MlflowExperimentName)",
        id="mlflow-unknown-field",
    ),
    pytest.param(
        lambda d: d.__setitem__("MlflowConfig", "arn:x"),
        "MlflowConfig: MlflowConfig must be an object with MlflowResourceArn and MlflowExperimentName",
        id="mlflow-not-object",
    ),
    pytest.param(
        lambda d: d.__setitem__(
            "MlflowConfig", {"MlflowResourceArn": "arn:x", "MlflowExperimentName": {"Get": "Steps.Report.X"}}
        ),
        "only Parameters and Execution variables can be used here",
        id="mlflow-reads-a-step",
    ),
    pytest.param(
        lambda d: d["PipelineExperimentConfig"].__setitem__("TrialName", 7),
        "PipelineExperimentConfig.TrialName: TrialName must be a string or an expression, got 7",
        id="experiment-config-number",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), CASES)
def test_each_mistake_in_a_v3_definition_yields_one_precise_message(
    mutation: Mutation, expected: str
) -> None:
    messages = messages_after(mutation)
    assert len(messages) == 1, messages
    assert expected in messages[0]


@pytest.mark.parametrize(
    "mutation",
    [
        pytest.param(
            _set(for_each, "IterableItems", ["us-east-1", 2, True, {"Get": "Parameters.InstanceType"}]),
            id="literal-list",
        ),
        pytest.param(
            lambda d: (
                d["Steps"].append(
                    {
                        "Name": "ListRegions",
                        "Type": "Lambda",
                        "Arguments": {},
                        "OutputParameters": [{"OutputName": "regions"}],
                    }
                ),
                for_each(d).__setitem__(
                    "IterableItems", {"Get": "Steps.ListRegions.OutputParameters['regions']"}
                ),
            ),
            id="step-property",
        ),
        pytest.param(
            lambda d: d.__setitem__(
                "MlflowConfig",
                {
                    "MlflowResourceArn": "arn:aws:sagemaker:us-east-1:1:mlflow-app/a",
                    "MlflowExperimentName": None,
                },
            ),
            id="mlflow-config",
        ),
        pytest.param(lambda d: d.__setitem__("PipelineExperimentConfig", None), id="experiment-config-null"),
        pytest.param(
            lambda d: body(d, 1).__setitem__("Arguments", {"x": {"Get": "ForEach.CurrentItem['name']"}}),
            id="current-item-member",
        ),
        pytest.param(
            _add_step(
                {
                    "Name": "Clean",
                    "Type": "Cleanup",
                    "DependsOn": ["Report"],
                    "Arguments": {"Resources": {"S3": [{"StepName": "Report", "S3Uris": ["s3://b/k"]}]}},
                }
            ),
            id="cleanup",
        ),
        pytest.param(
            _add_step(
                {
                    "Name": "Tune",
                    "Type": "Job",
                    "Arguments": dict(JOB, JobConfigDocument={"Std:Join": {"On": "", "Values": ["{", "}"]}}),
                }
            ),
            id="job",
        ),
        pytest.param(
            _add_step(
                {
                    "Name": "Query",
                    "Type": "Athena",
                    "Arguments": dict(
                        ATHENA,
                        QueryExecutionContext={"Database": {"Get": "Parameters.Regions"}},
                        ResultConfiguration={"OutputLocation": "s3://b/athena/"},
                        ExecutionParameters=["'eu-west-1'"],
                    ),
                }
            ),
            id="athena",
        ),
        pytest.param(
            _add_step({"Name": "Import", "Type": "HubContent", "Arguments": HUB}),
            id="hub-content",
        ),
    ],
)
def test_valid_v3_variants_have_no_problems(mutation: Mutation) -> None:
    assert messages_after(mutation) == []

"""validate_definition: a realistic definition is clean; each realistic mistake yields one precise message."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from sagemaker_pipelines_operator.definition import DefinitionProblem, validate_definition
from sagemaker_pipelines_operator.definition.validate import PIPELINE_DEFINITION_MAX_LENGTH

SAMPLE = Path(__file__).parents[1] / "data" / "definitions" / "deploy-if-better.json"
BASE: dict[str, Any] = json.loads(SAMPLE.read_text())

Mutation = Callable[[dict[str, Any]], None]


def step(definition: dict[str, Any], name: str) -> dict[str, Any]:
    stack = list(definition["Steps"])
    while stack:
        body = stack.pop()
        if body["Name"] == name:
            return body  # type: ignore[no-any-return]
        arguments = body.get("Arguments", {})
        stack.extend(arguments.get("IfSteps", []) + arguments.get("ElseSteps", []))
    raise KeyError(name)


def condition(definition: dict[str, Any]) -> dict[str, Any]:
    return step(definition, "CheckAccuracy")["Arguments"]  # type: ignore[no-any-return]


def problems_after(mutation: Mutation) -> list[str]:
    definition = copy.deepcopy(BASE)
    mutation(definition)
    return [str(problem) for problem in validate_definition(definition)]


def test_realistic_deploy_if_better_definition_is_valid() -> None:
    assert validate_definition(BASE) == []


MISTAKES: list[tuple[str, Mutation, str]] = [
    (
        "version-missing",
        lambda d: d.pop("Version"),
        "Version: a definition needs Version (supported: 2020-12-01)",
    ),
    (
        "version-unsupported",
        lambda d: d.update(Version="2021-12-01"),
        "Version: unsupported Version '2021-12-01' (supported: 2020-12-01)",
    ),
    ("steps-missing", lambda d: d.pop("Steps"), "Steps: a definition needs Steps, a list of steps"),
    (
        "steps-not-a-list",
        lambda d: d.update(Steps={"Name": "Train"}),
        "Steps: Steps must be a list of steps, got dict",
    ),
    ("steps-empty", lambda d: d.update(Steps=[]), "Steps: a pipeline needs at least one step"),
    (
        "step-without-name",
        lambda d: step(d, "AccuracyTooLow").pop("Name"),
        "Steps[3].Arguments.ElseSteps[0].Name: a step needs a Name (a string)",
    ),
    (
        "step-name-with-space",
        lambda d: step(d, "AccuracyTooLow").update(Name="Accuracy too low"),
        "step 'Accuracy too low': Name: invalid step name 'Accuracy too low': "
        "use 1-64 letters, digits, - or _",
    ),
    (
        "duplicate-step-name-in-branch",
        lambda d: step(d, "AccuracyTooLow").update(Name="Evaluate"),
        "step 'Evaluate': Name: duplicate step name 'Evaluate' (also at Steps[2])",
    ),
    (
        "misspelt-step-type",
        lambda d: step(d, "Train").update(Type="Trainning"),
        "step 'Train': Type: unknown step type 'Trainning'; did you mean 'Training'?",
    ),
    (
        "create-model-type-name",
        lambda d: step(d, "CreateModel").update(Type="CreateModel"),
        "step 'CreateModel': Type: unknown step type 'CreateModel'; use 'Model'",
    ),
    (
        "depends-on-missing-step",
        lambda d: step(d, "Train").update(DependsOn=["Prep"]),
        "step 'Train': DependsOn[0]: no step named 'Prep'",
    ),
    (
        "depends-on-typo",
        lambda d: step(d, "Train").update(DependsOn=["Preprocesss"]),
        "step 'Train': DependsOn[0]: no step named 'Preprocesss'; did you mean 'Preprocess'?",
    ),
    (
        "depends-on-a-string",
        lambda d: step(d, "Train").update(DependsOn="Preprocess"),
        "step 'Train': DependsOn: DependsOn must be a list of step names or {Step, Trigger} run conditions",
    ),
    (
        "run-condition-unknown-trigger",
        lambda d: step(d, "Train").update(DependsOn=[{"Step": "Preprocess", "Trigger": "Failure"}]),
        "step 'Train': DependsOn[0]: Trigger must be one of Completed, Failed, Stopped, Any, got 'Failure'",
    ),
    (
        "run-condition-missing-trigger",
        lambda d: step(d, "Train").update(DependsOn=[{"Step": "Preprocess"}]),
        "step 'Train': DependsOn[0]: Trigger must be one of Completed, Failed, Stopped, Any, got None",
    ),
    (
        "run-condition-extra-key",
        lambda d: step(d, "Train").update(DependsOn=[{"Step": "Preprocess", "Trigger": "Any", "On": 1}]),
        "step 'Train': DependsOn[0]: a run condition has only Step and Trigger, not On",
    ),
    (
        "run-condition-step-not-a-name",
        lambda d: step(d, "Train").update(DependsOn=[{"Step": ["Preprocess"], "Trigger": "Any"}]),
        "step 'Train': DependsOn[0]: a run condition needs Step, the name of the upstream step",
    ),
    (
        "run-condition-missing-step",
        lambda d: step(d, "Train").update(DependsOn=[{"Step": "Preprocesss", "Trigger": "Failed"}]),
        "step 'Train': DependsOn[0].Step: no step named 'Preprocesss'; did you mean 'Preprocess'?",
    ),
    (
        "run-condition-conflicting-triggers",
        lambda d: step(d, "Train").update(
            DependsOn=["Preprocess", {"Step": "Preprocess", "Trigger": "Failed"}]
        ),
        "step 'Train': DependsOn[1].Step: 'Preprocess' is listed with conflicting triggers: "
        "Completed and Failed",
    ),
    (
        "depends-on-a-number",
        lambda d: step(d, "Train").update(DependsOn=[3]),
        "step 'Train': DependsOn[0]: DependsOn entries are step names or {Step, Trigger} run conditions, "
        "got 3",
    ),
    (
        "depends-on-itself",
        lambda d: step(d, "Train").update(DependsOn=["Train"]),
        "step 'Train': DependsOn[0]: a step cannot depend on itself",
    ),
    (
        "undeclared-parameter",
        lambda d: step(d, "Train")["Arguments"]["ResourceConfig"].update(
            InstanceType={"Get": "Parameters.TrainInstanceType"}
        ),
        "step 'Train': Arguments.ResourceConfig.InstanceType.Get: no parameter named 'TrainInstanceType'; "
        "did you mean 'TrainingInstanceType'?",
    ),
    (
        "reference-to-missing-step",
        lambda d: step(d, "Evaluate")["Arguments"]["ProcessingInputs"][0]["S3Input"].update(
            S3Uri={"Get": "Steps.Training.ModelArtifacts.S3ModelArtifacts"}
        ),
        "step 'Evaluate': Arguments.ProcessingInputs[0].S3Input.S3Uri.Get: no step named 'Training'; "
        "did you mean 'Train'?",
    ),
    (
        "unknown-execution-variable",
        lambda d: d["PipelineExperimentConfig"].update(TrialName={"Get": "Execution.ExecutionId"}),
        "PipelineExperimentConfig.TrialName.Get: unknown execution variable 'Execution.ExecutionId' "
        "(known: CurrentDateTime, PipelineArn, PipelineExecutionArn, PipelineExecutionId, PipelineName, "
        "ProcessingJobName, StartDateTime, TrainingJobName)",
    ),
    (
        "json-get-without-path",
        lambda d: condition(d)["Conditions"][0]["LeftValue"]["Std:JsonGet"].pop("Path"),
        "step 'CheckAccuracy': Arguments.Conditions[0].LeftValue.Std:JsonGet.Path: "
        "Std:JsonGet needs Path, the JSON path of the value to read",
    ),
    (
        "json-get-undeclared-property-file",
        lambda d: condition(d)["Conditions"][0]["LeftValue"]["Std:JsonGet"].update(
            PropertyFile={"Get": "Steps.Evaluate.PropertyFiles.Evaluation"}
        ),
        "step 'CheckAccuracy': Arguments.Conditions[0].LeftValue.Std:JsonGet.PropertyFile.Get: "
        "step 'Evaluate' declares no property file 'Evaluation'",
    ),
    (
        "join-without-values",
        lambda d: step(d, "Train")["Arguments"]["HyperParameters"]["num_round"]["Std:Join"].pop("Values"),
        "step 'Train': Arguments.HyperParameters.num_round.Std:Join.Values: "
        "Std:Join needs Values, a list of values to join",
    ),
    (
        "unknown-function",
        lambda d: step(d, "Train")["Arguments"]["HyperParameters"].update(
            objective={"Std:Concat": {"Values": ["a"]}}
        ),
        "step 'Train': Arguments.HyperParameters.objective.Std:Concat: "
        "unknown function 'Std:Concat' (known: Std:Join, Std:JsonGet)",
    ),
    (
        "dependency-cycle",
        lambda d: step(d, "Preprocess").update(DependsOn=["Evaluate"]),
        "Steps: dependency cycle: Preprocess -> Evaluate -> Preprocess",
    ),
    (
        "unknown-condition-type",
        lambda d: condition(d)["Conditions"][0].update(Type="GreaterOrEqual"),
        "step 'CheckAccuracy': Arguments.Conditions[0].Type: unknown condition type 'GreaterOrEqual' "
        "(expected Equals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, In, Not, Or)",
    ),
    (
        "comparison-without-right-value",
        lambda d: condition(d)["Conditions"][0].pop("RightValue"),
        "step 'CheckAccuracy': Arguments.Conditions[0]: a GreaterThanOrEqualTo condition needs RightValue",
    ),
    (
        "in-without-values",
        lambda d: condition(d)["Conditions"].append(
            {"Type": "In", "QueryValue": {"Get": "Parameters.ModelApprovalStatus"}}
        ),
        "step 'CheckAccuracy': Arguments.Conditions[2].Values: "
        "an In condition needs Values, a non-empty list",
    ),
    (
        "not-with-the-old-sdk-key",
        lambda d: condition(d)["Conditions"].append(
            {"Type": "Not", "Expression": {"Type": "Equals", "LeftValue": 1, "RightValue": 1}}
        ),
        "step 'CheckAccuracy': Arguments.Conditions[2].Expression: SageMaker does not accept "
        "'Expression' in a Not condition; name the negated condition 'Condition'",
    ),
    (
        "not-without-condition",
        lambda d: condition(d)["Conditions"].append({"Type": "Not"}),
        "step 'CheckAccuracy': Arguments.Conditions[2]: "
        "a Not condition needs Condition, the condition to negate",
    ),
    (
        "not-negating-a-bad-condition",
        lambda d: condition(d)["Conditions"].append({"Type": "Not", "Condition": {"Type": "Equal"}}),
        "step 'CheckAccuracy': Arguments.Conditions[2].Condition.Type: unknown condition type 'Equal' "
        "(expected Equals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, In, Not, Or)",
    ),
    (
        "ordering-a-boolean",
        lambda d: condition(d)["Conditions"][1].update(Type="GreaterThan"),
        "step 'CheckAccuracy': Arguments.Conditions[1]: GreaterThan cannot order a boolean; "
        "compare booleans with Equals",
    ),
    (
        "number-parameter-equals-string",
        lambda d: condition(d)["Conditions"].append(
            {"Type": "Equals", "LeftValue": {"Get": "Parameters.Epochs"}, "RightValue": "ten"}
        ),
        "step 'CheckAccuracy': Arguments.Conditions[2]: "
        "Equals compares a number with a string: it can never hold",
    ),
    (
        "fail-step-without-message",
        lambda d: step(d, "AccuracyTooLow").update(Arguments={}),
        "step 'AccuracyTooLow': Arguments.ErrorMessage: a Fail step needs Arguments.ErrorMessage",
    ),
    (
        "branch-step-reads-other-branch",
        lambda d: step(d, "AccuracyTooLow").update(DependsOn=["RegisterModel"]),
        "step 'AccuracyTooLow': DependsOn[0]: 'RegisterModel' is in the IfSteps of Condition "
        "'CheckAccuracy' and never runs together with this ElseSteps step",
    ),
    (
        "yaml11-boolean-version",
        lambda d: d.update(Version=True),
        "Version: unsupported Version true (supported: 2020-12-01); YAML 1.1 reads unquoted yes, no, on, "
        "off, true and false as booleans: quote it",
    ),
    (
        "yaml11-boolean-step-type",
        lambda d: step(d, "AccuracyTooLow").update(Type=False),
        "step 'AccuracyTooLow': Type: unknown step type false; YAML 1.1 reads unquoted yes, no, on, off, "
        "true and false as booleans: quote it",
    ),
    (
        "yaml11-boolean-step-name",
        lambda d: step(d, "AccuracyTooLow").update(Name=True),
        "Steps[3].Arguments.ElseSteps[0].Name: a step needs a Name (a string); YAML 1.1 reads unquoted "
        "yes, no, on, off, true and false as booleans: quote it",
    ),
    (
        "yaml11-boolean-string-default",
        lambda d: d["Parameters"][0].update(DefaultValue=True),
        "Parameters[0].DefaultValue: DefaultValue true does not fit Type String: it must be a string; "
        "YAML 1.1 reads unquoted yes, no, on, off, true and false as booleans: quote it",
    ),
    (
        "integer-default-as-string",
        lambda d: d["Parameters"][2].update(DefaultValue="10"),
        'Parameters[2].DefaultValue: DefaultValue "10" does not fit Type Integer: it must be a whole number',
    ),
    (
        "unknown-parameter-type",
        lambda d: d["Parameters"][2].update(Type="Int"),
        "Parameters[2].Type: unknown parameter type 'Int' (expected String, Integer, Float, Boolean)",
    ),
    (
        "duplicate-parameter",
        lambda d: d["Parameters"].append({"Name": "Epochs", "Type": "Integer", "DefaultValue": 5}),
        "Parameters[7].Name: duplicate parameter name 'Epochs' (first at Parameters[2])",
    ),
    (
        "step-reads-itself",
        lambda d: step(d, "Train")["Arguments"]["OutputDataConfig"].update(
            S3OutputPath={"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
        ),
        "step 'Train': Arguments.OutputDataConfig.S3OutputPath.Get: a step cannot read its own properties "
        "('Steps.Train.ModelArtifacts.S3ModelArtifacts')",
    ),
    (
        "reference-without-property",
        lambda d: step(d, "Train")["Arguments"]["OutputDataConfig"].update(
            S3OutputPath={"Get": "Steps.Preprocess"}
        ),
        "step 'Train': Arguments.OutputDataConfig.S3OutputPath.Get: 'Steps.Preprocess' names no property "
        "(e.g. Steps.Preprocess.Properties...)",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_realistic_mistake_yields_one_precise_message(mutation: Mutation, expected: str) -> None:
    assert problems_after(mutation) == [expected]


def test_problem_names_step_and_field_but_keeps_the_full_path() -> None:
    problem = DefinitionProblem("Steps[3].Arguments.IfSteps[1].DependsOn[0]", "no step named 'Prep'", "Train")
    assert problem.field == "DependsOn[0]"
    assert str(problem) == "step 'Train': DependsOn[0]: no step named 'Prep'"
    assert str(DefinitionProblem("Version", "unsupported")) == "Version: unsupported"


def test_non_object_definition_is_one_problem() -> None:
    assert [str(p) for p in validate_definition([])] == ["a definition must be a JSON object, got list"]  # type: ignore[arg-type]


def test_size_limit_matches_the_botocore_model() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("CreatePipeline").input_shape.members["PipelineDefinition"]
    assert shape.metadata["max"] == PIPELINE_DEFINITION_MAX_LENGTH


def test_oversize_definition_is_reported_with_its_length() -> None:
    definition = copy.deepcopy(BASE)
    definition["Metadata"] = {"Notes": "x" * PIPELINE_DEFINITION_MAX_LENGTH}
    messages = [str(p) for p in validate_definition(definition)]
    assert len(messages) == 1
    assert messages[0].startswith("the definition is 10")
    assert messages[0].endswith(f"SageMaker accepts at most {PIPELINE_DEFINITION_MAX_LENGTH}")


def test_every_problem_in_one_definition_is_reported_together() -> None:
    definition = copy.deepcopy(BASE)
    definition["Version"] = "2019-01-01"
    step(definition, "Train")["DependsOn"] = ["Nope"]
    step(definition, "AccuracyTooLow")["Type"] = "Failure"
    assert len(validate_definition(definition)) == 3


BRANCH_STEPS_COUNT = [
    ("if-branch", "RegisterModel"),
    ("else-branch", "AccuracyTooLow"),
]


@pytest.mark.parametrize("name", [b[1] for b in BRANCH_STEPS_COUNT], ids=[b[0] for b in BRANCH_STEPS_COUNT])
def test_steps_inside_condition_branches_count_as_steps(name: str) -> None:
    def mutation(definition: dict[str, Any]) -> None:
        step(definition, "Train")["DependsOn"] = [name]

    # A step outside the Condition may wait for a branch step: it exists, so no "no step named".
    assert not any("no step named" in message for message in problems_after(mutation))


RUN_CONDITIONS = [
    ("failed", [{"Step": "Preprocess", "Trigger": "Failed"}]),
    ("stopped", [{"Step": "Preprocess", "Trigger": "Stopped"}]),
    ("any", [{"Step": "Preprocess", "Trigger": "Any"}]),
    ("completed-as-object", [{"Step": "Preprocess", "Trigger": "Completed"}]),
    ("same-trigger-twice", ["Preprocess", {"Step": "Preprocess", "Trigger": "Completed"}]),
]


@pytest.mark.parametrize("depends_on", [r[1] for r in RUN_CONDITIONS], ids=[r[0] for r in RUN_CONDITIONS])
def test_sdk3_run_conditions_in_depends_on_are_valid(depends_on: list[Any]) -> None:
    assert problems_after(lambda d: step(d, "Train").update(DependsOn=depends_on)) == []

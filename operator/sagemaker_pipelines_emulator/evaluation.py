"""Runtime values inside a running execution: Get references, Std:Join, Std:JsonGet, and the
Condition step's verdict over parameters, execution variables and published step outputs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sagemaker_pipelines_emulator.outcomes import typed_parameter
from sagemaker_pipelines_operator.definition.parameters import format_value
from sagemaker_pipelines_operator.definition.references import parse_get, step_references

if TYPE_CHECKING:
    from sagemaker_pipelines_emulator.state import Execution

_OUTPUT_PARAMETER = re.compile(r"^\.OutputParameters\[['\"](.+?)['\"]\]$")
_ITERATION_OUTPUT = re.compile(r"^\.IterationOutputs\[(\d+)\]\.([^.\[]+)(.*)$")
_PATH_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]|\[['\"]([^'\"]*)['\"]\]")
_ORDER = {
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanOrEqualTo": lambda a, b: a >= b,
    "LessThan": lambda a, b: a < b,
    "LessThanOrEqualTo": lambda a, b: a <= b,
}


class EvaluationError(ValueError):
    """A value or condition cannot be computed; the step evaluating it fails with this message."""


class _PropertyFile:
    def __init__(self, step: str, name: str) -> None:
        self.step, self.name = step, name


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


class Evaluator:
    def __init__(self, execution: Execution, now: float) -> None:
        self.execution = execution
        self.now = now

    def value(self, node: object) -> Any:
        if isinstance(node, Mapping):
            if "Get" in node:
                return self.get(str(node["Get"]))
            if "Std:Join" in node:
                join = node["Std:Join"]
                return str(join.get("On", "")).join(
                    self.text(self.value(item)) for item in join.get("Values", [])
                )
            if "Std:JsonGet" in node:
                return self.json_get(node["Std:JsonGet"])
            raise EvaluationError(f"cannot evaluate {dict(node)!r}")
        if isinstance(node, _PropertyFile):
            raise EvaluationError(f"property file '{node.name}' is only readable through Std:JsonGet")
        return node

    def text(self, value: object) -> str:
        if isinstance(value, _PropertyFile):
            return self.property_file_uri(value)
        return format_value(value)

    def get(self, expression: str) -> Any:
        execution = self.execution
        root, target, rest = parse_get(expression)
        if root == "Parameters":
            return typed_parameter(execution, target)
        if root == "Execution":
            variables = {
                "PipelineExecutionArn": execution.arn,
                "PipelineExecutionId": execution.execution_id,
                "PipelineName": execution.pipeline.name,
                "PipelineArn": execution.pipeline.arn,
                "StartDateTime": _iso(execution.created),
                "CurrentDateTime": _iso(self.now),
            }
            return variables.get(target, "")
        if root == "PipelineExperimentConfig":
            return execution.pipeline.name if target == "ExperimentName" else execution.execution_id
        return self.step_property(target, rest, expression)

    def step_property(self, step: str, rest: str, expression: str) -> Any:
        run = self.execution.runs.get(step)
        if run is None or run.status != "Succeeded":
            raise EvaluationError(f"'{expression}': step '{step}' has not succeeded in this execution")
        if run.fan_out is not None:
            iteration = _ITERATION_OUTPUT.match(rest)
            if iteration is not None:
                index, template, member = iteration.groups()
                return self.step_property(f"{template}-{index}", member, expression)
            if rest.startswith(".Selected"):
                selected = run.fan_out.selected
                if selected is None:
                    raise EvaluationError(f"'{expression}': ForEach step '{step}' selected no iteration")
                child = f"{selected['StepName']}-{selected['Index']}"
                return self.step_property(child, rest[len(".Selected") :], expression)
        if rest.startswith(".PropertyFiles."):
            return _PropertyFile(step, rest[len(".PropertyFiles.") :])
        output = _OUTPUT_PARAMETER.match(rest)
        key = output.group(1) if output else rest.lstrip(".").removeprefix("Properties.")
        if key in run.outputs:
            return run.outputs[key]
        if output:
            raise EvaluationError(f"'{expression}': step '{step}' returned no output parameter '{key}'")
        return f"s3://sagemaker-emulator/{self.execution.pipeline.name}/{self.execution.execution_id}/{step}/{key}"

    def property_file_uri(self, handle: _PropertyFile) -> str:
        return f"s3://sagemaker-emulator/{self.execution.execution_id}/{handle.step}/{handle.name}.json"

    def json_get(self, argument: Mapping[str, Any]) -> Any:
        path = str(argument.get("Path", ""))
        if "PropertyFile" in argument:
            handle = (
                self.value(argument["PropertyFile"])
                if isinstance(argument["PropertyFile"], Mapping)
                else None
            )
            if not isinstance(handle, _PropertyFile):
                raise EvaluationError(
                    "Std:JsonGet: PropertyFile must be a Get of Steps.<step>.PropertyFiles.<name>"
                )
            step, source = handle.step, f"property file '{handle.name}' of step '{handle.step}'"
        else:
            steps = sorted(step_references(argument.get("S3Uri")))
            if not steps:
                raise EvaluationError(f"Std:JsonGet: cannot tell which step wrote S3Uri for path '{path}'")
            step, source = steps[0], f"the JSON written by step '{steps[0]}'"
            self.value(argument.get("S3Uri"))
        run = self.execution.runs[step]
        if isinstance(handle, _PropertyFile) and handle.name in run.property_files:
            return json_path_value(run.property_files[handle.name], path, source)
        if path not in run.outputs:
            raise EvaluationError(
                f"Std:JsonGet: no value at path '{path}' in {source}; give step '{step}' an outcome "
                f"rule with propertyFiles or outputs, or put 'emulator:out.{path}=<value>' in its Description"
            )
        return run.outputs[path]

    def holds(self, condition: Mapping[str, Any]) -> bool:
        kind = condition.get("Type")
        if kind == "Not":
            return not self.holds(condition["Condition"])
        if kind == "Or":
            return any(self.holds(inner) for inner in condition["Conditions"])
        if kind == "In":
            query = self.value(condition["QueryValue"])
            return any(_equal(query, self.value(item)) for item in condition["Values"])
        left, right = self.value(condition["LeftValue"]), self.value(condition["RightValue"])
        if kind == "Equals":
            return _equal(left, right)
        both_numbers = _is_number(left) and _is_number(right)
        if not both_numbers and not (isinstance(left, str) and isinstance(right, str)):
            raise EvaluationError(f"{kind} cannot compare {left!r} with {right!r}")
        return bool(_ORDER[str(kind)](left, right))

    def outcome(self, conditions: list[Mapping[str, Any]]) -> bool:
        """A Condition step holds when every one of its conditions holds."""
        return all(self.holds(condition) for condition in conditions)


def json_path_value(document: object, path: str, source: str) -> Any:
    """The value at a JsonGet Path (`metrics.auc.value`, `$.a[0]['b']`) in a JSON document."""
    rest, value = path.strip().removeprefix("$"), document
    while rest:
        match = _PATH_PART.match(rest)
        if match is None:
            raise EvaluationError(f"Std:JsonGet: cannot read path '{path}' at '{rest}'")
        key, index, quoted = match.groups()
        rest = rest[match.end() :]
        name = key if key is not None else quoted
        if name is not None and isinstance(value, Mapping) and name in value:
            value = value[name]
        elif index is not None and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            raise EvaluationError(f"Std:JsonGet: no value at path '{path}' in {source}")
    if isinstance(value, (Mapping, list)) or value is None:
        raise EvaluationError(f"Std:JsonGet: path '{path}' in {source} is not a number, string or boolean")
    return value


def _equal(left: object, right: object) -> bool:
    if _is_number(left) and _is_number(right):
        return float(left) == float(right)  # type: ignore[arg-type]
    return type(left) is type(right) and left == right

"""Expressions inside a definition: `{"Get": ...}` references and the Std:Join / Std:JsonGet functions.

`scan_expressions` walks any JSON value, checks each expression's structure and returns the
references it found; resolving them against steps and parameters is validate.py's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.definition.problems import DefinitionProblem

FUNCTIONS = ("Std:Join", "Std:JsonGet")
# `ForEach.CurrentItem` is read by ForEach body steps; `IterationOutput.<body step>` only by a
# ForEach Selector's Field (sagemaker-mlops 1.27, workflow/for_each_step.py).
ROOTS = ("Steps", "Parameters", "Execution", "PipelineExperimentConfig", "ForEach", "IterationOutput")
EXECUTION_VARIABLES = frozenset(
    {
        "StartDateTime",
        "CurrentDateTime",
        "PipelineExecutionId",
        "PipelineExecutionArn",
        "PipelineName",
        "PipelineArn",
        "TrainingJobName",
        "ProcessingJobName",
    }
)
EXPERIMENT_CONFIG_PROPERTIES = frozenset({"ExperimentName", "TrialName"})

_TARGET = re.compile(r"[^.\[]+")


@dataclass(frozen=True)
class Reference:
    """`{"Get": "Steps.Train.Properties.ModelArtifacts"}` at `path` -> root Steps, target Train."""

    path: str
    expression: str
    root: str
    target: str
    rest: str


def parse_get(expression: str) -> tuple[str, str, str]:
    """Split `Root.Target.rest` -> (root, target, rest); rest keeps its leading `.` or `[`."""
    root, _, remainder = expression.partition(".")
    match = _TARGET.match(remainder)
    target = match.group(0) if match else ""
    return root, target, remainder[len(target) :]


class _Scanner:
    def __init__(self, step: str | None) -> None:
        self.step = step
        self.references: list[Reference] = []
        self.problems: list[DefinitionProblem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(DefinitionProblem(path, message, self.step))

    def scan(self, value: object, path: str) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.scan(item, f"{path}[{index}]")
        elif isinstance(value, Mapping):
            if "Get" in value:
                self.get(value, path)
            elif any(isinstance(key, str) and key.startswith("Std:") for key in value):
                self.function(value, path)
            else:
                for key, item in value.items():
                    self.scan(item, f"{path}.{key}" if path else str(key))

    def get(self, node: Mapping[str, Any], path: str) -> None:
        expression = node.get("Get")
        if len(node) != 1:
            extra = ", ".join(sorted(str(key) for key in node if key != "Get"))
            self.problem(path, f"a Get expression has exactly one key, found also: {extra}")
        if not isinstance(expression, str) or not expression:
            self.problem(f"{path}.Get", "Get needs a non-empty string such as 'Parameters.Name'")
            return
        root, target, rest = parse_get(expression)
        if root not in ROOTS or not target:
            self.problem(
                f"{path}.Get",
                f"cannot resolve '{expression}': a reference starts with "
                "Parameters.<name>, Steps.<step>.<property>, Execution.<variable> or ForEach.CurrentItem",
            )
            return
        self.references.append(Reference(f"{path}.Get", expression, root, target, rest))

    def function(self, node: Mapping[str, Any], path: str) -> None:
        if len(node) != 1:
            self.problem(path, f"a function object has exactly one key, found: {', '.join(map(str, node))}")
        for name, argument in node.items():
            where = f"{path}.{name}"
            if name == "Std:Join":
                self.join(argument, where)
            elif name == "Std:JsonGet":
                self.json_get(argument, where)
            else:
                self.problem(where, f"unknown function '{name}' (known: {', '.join(FUNCTIONS)})")

    def join(self, argument: object, path: str) -> None:
        if not isinstance(argument, Mapping):
            self.problem(path, "Std:Join takes an object {On: <separator>, Values: [...]}")
            return
        if not isinstance(argument.get("On", ""), str):
            self.problem(f"{path}.On", "On must be a string separator")
        values = argument.get("Values")
        if not isinstance(values, list):
            self.problem(f"{path}.Values", "Std:Join needs Values, a list of values to join")
        else:
            self.scan(values, f"{path}.Values")
        for key in argument:
            if key not in ("On", "Values"):
                self.problem(f"{path}.{key}", "unknown Std:Join field (expected On and Values)")

    def json_get(self, argument: object, path: str) -> None:
        if not isinstance(argument, Mapping):
            self.problem(path, "Std:JsonGet takes an object {PropertyFile: {Get: ...}, Path: ...}")
            return
        json_path = argument.get("Path")
        if not isinstance(json_path, str) or not json_path:
            self.problem(f"{path}.Path", "Std:JsonGet needs Path, the JSON path of the value to read")
        sources = [key for key in ("PropertyFile", "S3Uri") if key in argument]
        if len(sources) != 1:
            self.problem(path, "Std:JsonGet needs exactly one of PropertyFile or S3Uri")
        property_file = argument.get("PropertyFile")
        if property_file is not None:
            self.property_file(property_file, f"{path}.PropertyFile")
        if "S3Uri" in argument:
            self.scan(argument["S3Uri"], f"{path}.S3Uri")
        for key in argument:
            if key not in ("PropertyFile", "S3Uri", "Path"):
                self.problem(f"{path}.{key}", "unknown Std:JsonGet field (expected PropertyFile/S3Uri, Path)")

    def property_file(self, node: object, path: str) -> None:
        expression = node.get("Get") if isinstance(node, Mapping) else None
        root, target, rest = parse_get(expression) if isinstance(expression, str) else ("", "", "")
        if root != "Steps" or not target or not rest.startswith(".PropertyFiles."):
            self.problem(path, "PropertyFile must be {Get: 'Steps.<step>.PropertyFiles.<name>'}")
            return
        self.get(node, path)  # type: ignore[arg-type]


def scan_expressions(
    value: object, path: str, step: str | None = None
) -> tuple[list[Reference], list[DefinitionProblem]]:
    """Every Get reference under `value`, and every malformed expression (problems name `step`)."""
    scanner = _Scanner(step)
    scanner.scan(value, path)
    return scanner.references, scanner.problems


def step_references(value: object) -> set[str]:
    """Names of the steps that `value` reads from via `Get: Steps.<name>...` (structure not checked)."""
    references, _ = scan_expressions(value, "")
    return {ref.target for ref in references if ref.root == "Steps"}

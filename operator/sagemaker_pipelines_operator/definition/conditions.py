"""Condition expressions: the condition types SageMaker knows, their shapes, and the static type
checks that catch comparisons which can never work (e.g. a Boolean ordered against a number)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.definition.problems import DefinitionProblem
from sagemaker_pipelines_operator.definition.references import parse_get

COMPARISONS = ("Equals", "GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo")
CONDITION_TYPES = (*COMPARISONS, "In", "Not", "Or")
ORDERINGS = frozenset(COMPARISONS) - {"Equals"}

_KIND_OF_PARAMETER = {"String": "string", "Integer": "number", "Float": "number", "Boolean": "boolean"}


def value_kind(value: object, parameter_types: Mapping[str, str]) -> str | None:  # noqa: PLR0911 (a type dispatch)
    """'number', 'string' or 'boolean' when known before the run, else None."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        if "Std:Join" in value:
            return "string"
        expression = value.get("Get")
        if isinstance(expression, str):
            root, target, rest = parse_get(expression)
            if root == "Parameters" and not rest:
                return _KIND_OF_PARAMETER.get(parameter_types.get(target, ""))
            if root == "Execution":
                return "string"
    return None


class ConditionChecker:
    """Checks a Condition step's `Conditions` list, recursing through Not and Or."""

    def __init__(self, step: str | None, parameter_types: Mapping[str, str]) -> None:
        self.step = step
        self.parameter_types = parameter_types
        self.problems: list[DefinitionProblem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(DefinitionProblem(path, message, self.step))

    def conditions(self, conditions: object, path: str) -> None:
        if not isinstance(conditions, list) or not conditions:
            self.problem(path, "a Condition step needs Conditions, a non-empty list (all must hold)")
            return
        for index, condition in enumerate(conditions):
            self.condition(condition, f"{path}[{index}]")

    def condition(self, condition: object, path: str) -> None:
        if not isinstance(condition, Mapping):
            self.problem(path, "a condition must be an object with a Type")
            return
        condition_type = condition.get("Type")
        if condition_type not in CONDITION_TYPES:
            self.problem(
                f"{path}.Type",
                f"unknown condition type {condition_type!r} (expected {', '.join(CONDITION_TYPES)})",
            )
        elif condition_type in COMPARISONS:
            self.comparison(condition, condition_type, path)
        elif condition_type == "In":
            self.membership(condition, path)
        elif condition_type == "Not":
            self.negation(condition, path)
        else:
            self.conditions(condition.get("Conditions"), f"{path}.Conditions")

    def negation(self, condition: Mapping[str, Any], path: str) -> None:
        # SageMaker names the negated condition `Condition` (what the SDK writes); `Expression`, the
        # SDK's old spelling, is refused by CreatePipeline ("unknown property 'Expression'").
        if "Expression" in condition:
            self.problem(
                f"{path}.Expression",
                "SageMaker does not accept 'Expression' in a Not condition; "
                "name the negated condition 'Condition'",
            )
        elif "Condition" not in condition:
            self.problem(path, "a Not condition needs Condition, the condition to negate")
        else:
            self.condition(condition["Condition"], f"{path}.Condition")

    def operand(self, condition: Mapping[str, Any], key: str, path: str, label: str) -> bool:
        if key not in condition or condition[key] is None:
            self.problem(path, f"{label} condition needs {key}")
            return False
        value = condition[key]
        if isinstance(value, list) or (isinstance(value, Mapping) and not _is_expression(value)):
            self.problem(
                f"{path}.{key}", f"{key} must be a number, string, boolean or a Get/Std:JsonGet/Std:Join"
            )
            return False
        return True

    def comparison(self, condition: Mapping[str, Any], condition_type: str, path: str) -> None:
        left_ok = self.operand(condition, "LeftValue", path, f"a {condition_type}")
        right_ok = self.operand(condition, "RightValue", path, f"a {condition_type}")
        if not (left_ok and right_ok):
            return
        left = value_kind(condition["LeftValue"], self.parameter_types)
        right = value_kind(condition["RightValue"], self.parameter_types)
        if condition_type in ORDERINGS and "boolean" in (left, right):
            self.problem(path, f"{condition_type} cannot order a boolean; compare booleans with Equals")
        elif left and right and left != right:
            self.problem(path, f"{condition_type} compares a {left} with a {right}: it can never hold")

    def membership(self, condition: Mapping[str, Any], path: str) -> None:
        self.operand(condition, "QueryValue", path, "an In")
        values = condition.get("Values")
        if not isinstance(values, list) or not values:
            self.problem(f"{path}.Values", "an In condition needs Values, a non-empty list")


def _is_expression(value: Mapping[str, Any]) -> bool:
    return "Get" in value or any(isinstance(key, str) and key.startswith("Std:") for key in value)

"""Checks of one step's own body that need no other step: Condition and Fail Arguments, and the
PropertyFiles and OutputParameters lists a step declares for others to read."""

from __future__ import annotations

from collections.abc import Mapping

from sagemaker_pipelines_operator.definition.conditions import ConditionChecker
from sagemaker_pipelines_operator.definition.problems import DefinitionProblem
from sagemaker_pipelines_operator.definition.steps import BRANCHES, StepRef

_DECLARED_LISTS = (("PropertyFiles", "PropertyFileName"), ("OutputParameters", "OutputName"))
_NOT_A_STEP = "a step must be an object with Name, Type and Arguments"


def condition_step_problems(ref: StepRef, parameter_types: Mapping[str, str]) -> list[DefinitionProblem]:
    """A Condition step's Conditions, and its IfSteps/ElseSteps as lists of step objects."""
    arguments = ref.body.get("Arguments")
    if not isinstance(arguments, Mapping):
        return [
            DefinitionProblem(
                f"{ref.path}.Arguments", "a Condition step needs Arguments with Conditions", ref.name
            )
        ]
    checker = ConditionChecker(ref.name, parameter_types)
    checker.conditions(arguments.get("Conditions"), f"{ref.path}.Arguments.Conditions")
    problems = list(checker.problems)
    for branch in BRANCHES:
        entries, path = arguments.get(branch), f"{ref.path}.Arguments.{branch}"
        if entries is None:
            continue
        if not isinstance(entries, list):
            problems.append(DefinitionProblem(path, f"{branch} must be a list of steps", ref.name))
            continue
        problems.extend(
            DefinitionProblem(f"{path}[{index}]", _NOT_A_STEP, ref.name)
            for index, body in enumerate(entries)
            if not isinstance(body, Mapping)
        )
    return problems


def fail_step_problems(ref: StepRef) -> list[DefinitionProblem]:
    """A Fail step needs an ErrorMessage: a string or an expression."""
    arguments = ref.body.get("Arguments")
    message = arguments.get("ErrorMessage") if isinstance(arguments, Mapping) else None
    path = f"{ref.path}.Arguments.ErrorMessage"
    if message is None:
        return [DefinitionProblem(path, "a Fail step needs Arguments.ErrorMessage", ref.name)]
    if not isinstance(message, (str, Mapping)):
        return [DefinitionProblem(path, "ErrorMessage must be a string or a Get/Std:Join", ref.name)]
    return []


def declared_list_problems(ref: StepRef) -> list[DefinitionProblem]:
    """PropertyFiles and OutputParameters: lists whose entries each carry a unique name."""
    problems: list[DefinitionProblem] = []
    for key, name_field in _DECLARED_LISTS:
        entries = ref.body.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            problems.append(DefinitionProblem(f"{ref.path}.{key}", f"{key} must be a list", ref.name))
            continue
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            label = entry.get(name_field) if isinstance(entry, Mapping) else None
            where = f"{ref.path}.{key}[{index}]"
            if not isinstance(label, str) or not label:
                problems.append(DefinitionProblem(where, f"each entry needs {name_field}", ref.name))
            elif label in seen:
                problems.append(DefinitionProblem(where, f"duplicate {name_field} '{label}'", ref.name))
            seen.add(str(label))
    return problems


def declared_names(entries: object, field: str) -> set[str]:
    """The names a declared list holds (`PropertyFileName`s, `OutputName`s); empty if malformed."""
    if not isinstance(entries, list):
        return set()
    return {str(entry.get(field)) for entry in entries if isinstance(entry, Mapping)}

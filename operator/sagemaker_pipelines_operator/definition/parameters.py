"""Pipeline parameters: what a definition declares, whether its entries are sound, and whether the
values given for a run fit them (the check SageMaker makes at StartPipelineExecution)."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.definition.problems import DefinitionProblem, boolean_hint

PARAMETER_TYPES = ("String", "Integer", "Float", "Boolean")
PARAMETER_NAME = re.compile(r"[A-Za-z0-9\-_]{1,64}")
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class DeclaredParameter:
    """A parameter as declared; `default` is the value as StartPipelineExecution would carry it."""

    name: str
    type: str
    default: str | None
    required: bool
    enum_values: tuple[str, ...] = ()


def format_value(value: object) -> str:
    """A JSON scalar as a parameter string: booleans lower-case, numbers as JSON spells them."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def parse_value(declared_type: str, text: str) -> str | int | float | bool:
    """The typed value of `text` for a parameter of `declared_type`; ValueError says why not."""
    if declared_type == "Integer":
        if not _INTEGER.fullmatch(text.strip()):
            raise ValueError(f"'{text}' is not a whole number")
        return int(text)
    if declared_type == "Float":
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"'{text}' is not a finite number")
        return number
    if declared_type == "Boolean":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise ValueError(f"'{text}' is not true or false")
        return lowered == "true"
    return text


def _default_problem(declared_type: str, default: object) -> str | None:
    if declared_type == "String":
        ok = isinstance(default, str)
        wanted = "a string"
    elif declared_type == "Integer":
        ok = isinstance(default, int) and not isinstance(default, bool)
        wanted = "a whole number"
    elif declared_type == "Float":
        ok = isinstance(default, (int, float)) and not isinstance(default, bool)
        wanted = "a number"
    else:
        ok = isinstance(default, bool)
        wanted = "true or false"
    if ok:
        return None
    shown = json.dumps(default)
    hint = boolean_hint(default) if declared_type == "String" else ""
    return f"DefaultValue {shown} does not fit Type {declared_type}: it must be {wanted}{hint}"


def _entry_problems(entry: Mapping[str, Any], path: str) -> list[DefinitionProblem]:
    problems: list[DefinitionProblem] = []
    name, declared_type = entry.get("Name"), entry.get("Type")
    if not isinstance(name, str) or not name:
        problems.append(DefinitionProblem(f"{path}.Name", "a parameter needs a Name"))
    elif not PARAMETER_NAME.fullmatch(name):
        problems.append(
            DefinitionProblem(
                f"{path}.Name", f"invalid parameter name '{name}': use 1-64 letters, digits, - or _"
            )
        )
    if declared_type is None:
        problems.append(
            DefinitionProblem(f"{path}.Type", f"parameter needs a Type: one of {', '.join(PARAMETER_TYPES)}")
        )
    elif declared_type not in PARAMETER_TYPES:
        problems.append(
            DefinitionProblem(
                f"{path}.Type",
                f"unknown parameter type '{declared_type}' (expected {', '.join(PARAMETER_TYPES)})",
            )
        )
    elif "DefaultValue" in entry:
        message = _default_problem(declared_type, entry["DefaultValue"])
        if message:
            problems.append(DefinitionProblem(f"{path}.DefaultValue", message))
    enum_values = entry.get("EnumValues")
    if enum_values is not None:
        if not isinstance(enum_values, list) or not enum_values:
            problems.append(DefinitionProblem(f"{path}.EnumValues", "EnumValues must be a non-empty list"))
        elif "DefaultValue" in entry and entry["DefaultValue"] not in enum_values:
            problems.append(
                DefinitionProblem(
                    f"{path}.DefaultValue",
                    f"DefaultValue {json.dumps(entry['DefaultValue'])} is not one of EnumValues",
                )
            )
    return problems


def parameter_problems(definition: Mapping[str, Any]) -> list[DefinitionProblem]:
    """Problems with the `Parameters` list: shape, names, types, defaults, duplicates."""
    entries = definition.get("Parameters")
    if entries is None:
        return []
    if not isinstance(entries, list):
        return [DefinitionProblem("Parameters", "Parameters must be a list of {Name, Type, DefaultValue}")]
    problems: list[DefinitionProblem] = []
    first_seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        path = f"Parameters[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(
                DefinitionProblem(path, "a parameter must be an object {Name, Type, DefaultValue}")
            )
            continue
        problems.extend(_entry_problems(entry, path))
        name = entry.get("Name")
        if isinstance(name, str):
            if name in first_seen:
                problems.append(
                    DefinitionProblem(
                        f"{path}.Name",
                        f"duplicate parameter name '{name}' (first at Parameters[{first_seen[name]}])",
                    )
                )
            else:
                first_seen[name] = index
    return problems


def declared_parameters(definition: Mapping[str, Any]) -> list[DeclaredParameter]:
    """The parameters a definition declares, in order (entries without a usable Name are skipped)."""
    entries = definition.get("Parameters")
    declared: list[DeclaredParameter] = []
    seen: set[str] = set()
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name = entry.get("Name")
        if not isinstance(name, str) or name in seen:
            continue
        seen.add(name)
        declared_type = entry.get("Type")
        default = entry.get("DefaultValue")
        enum_values = entry.get("EnumValues")
        declared.append(
            DeclaredParameter(
                name=name,
                type=declared_type if isinstance(declared_type, str) else "String",
                default=None if default is None else format_value(default),
                required=default is None,
                enum_values=tuple(format_value(v) for v in enum_values)
                if isinstance(enum_values, list)
                else (),
            )
        )
    return declared


def check_run_parameters(declared: list[DeclaredParameter], given: Mapping[str, str]) -> list[str]:
    """Messages for every value in `given` that StartPipelineExecution would refuse; empty when fine."""
    by_name = {parameter.name: parameter for parameter in declared}
    messages: list[str] = []
    for name, value in given.items():
        parameter = by_name.get(name)
        if parameter is None:
            known = ", ".join(sorted(by_name)) or "none"
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            messages.append(f"unknown parameter '{name}' (declared: {known}){hint}")
            continue
        try:
            parse_value(parameter.type, value)
        except ValueError as exc:
            messages.append(f"parameter '{name}' is {parameter.type} but {exc}")
            continue
        if parameter.enum_values and value not in parameter.enum_values:
            messages.append(
                f"parameter '{name}' must be one of {', '.join(parameter.enum_values)}; got '{value}'"
            )
    for parameter in declared:
        if parameter.required and parameter.name not in given:
            messages.append(
                f"parameter '{parameter.name}' ({parameter.type}) has no default and must be given"
            )
    return messages


def resolved_parameters(declared: list[DeclaredParameter], given: Mapping[str, str]) -> dict[str, str]:
    """Given values plus declared defaults, in declaration order (call check_run_parameters first)."""
    values = {p.name: given.get(p.name, p.default) for p in declared}
    return {name: value for name, value in values.items() if value is not None}

"""Step Arguments checked against the request they are (step_arguments.json, written from botocore's
models by hack/steptypes.py): required members, unknown members, value types, enums and bounds.
A Get, Std:Join or Std:JsonGet stands for any value; what it resolves to is known only at run time."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

_EXPRESSION_KEYS = frozenset({"Get", "Std:Join", "Std:JsonGet"})


@cache
def step_requests() -> dict[str, Any]:
    """Step type -> {"request": "service.Operation", "shape": ...} for the types with a modelled request."""
    text = resources.files(__package__).joinpath("step_arguments.json").read_text()
    documents: dict[str, Any] = json.loads(text)
    documents.pop("botocore")
    return documents


def _is_expression(value: object) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in _EXPRESSION_KEYS


def shape_problems(value: object, shape: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
    """(path, message) for each way `value` does not fit `shape`; path extends `path` (".Member[0]")."""
    if _is_expression(value):
        return
    kind = shape["type"]
    if kind == "structure":
        yield from _structure(value, shape, path)
    elif kind == "list":
        if not isinstance(value, list):
            yield path, f"must be a list, got {_describe(value)}"
            return
        for index, item in enumerate(value):
            yield from shape_problems(item, shape["member"], f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, Mapping):
            yield path, f"must be an object, got {_describe(value)}"
            return
        for key, item in value.items():
            yield from shape_problems(item, shape["value"], f"{path}.{key}")
    else:
        yield from _scalar(value, shape, path)


def _structure(value: object, shape: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
    if not isinstance(value, Mapping):
        yield path, f"must be an object, got {_describe(value)}"
        return
    members: Mapping[str, Any] = shape["members"]
    for name in shape["required"]:
        if name not in value:
            yield f"{path}.{name}", "is required"
    for name, item in value.items():
        if name in members:
            yield from shape_problems(item, members[name], f"{path}.{name}")
            continue
        close = difflib.get_close_matches(str(name), list(members), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(members)})"
        yield f"{path}.{name}", f"is not a member of the request{hint}"


def _scalar(value: object, shape: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
    kind = shape["type"]
    if kind == "string" and not isinstance(value, str):
        yield path, f"must be a string, got {_describe(value)}"
    elif kind in ("integer", "long") and (isinstance(value, bool) or not isinstance(value, int)):
        yield path, f"must be an integer, got {_describe(value)}"
    elif kind in ("float", "double") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        yield path, f"must be a number, got {_describe(value)}"
    elif kind == "boolean" and not isinstance(value, bool):
        yield path, f"must be true or false, got {_describe(value)}"
    elif "enum" in shape and value not in shape["enum"]:
        yield path, f"must be one of {', '.join(shape['enum'])}, got {value!r}"
    elif isinstance(value, int) and "min" in shape and value < shape["min"]:
        yield path, f"must be at least {shape['min']}, got {value}"
    elif isinstance(value, int) and "max" in shape and value > shape["max"]:
        yield path, f"must be at most {shape['max']}, got {value}"


def _describe(value: object) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)

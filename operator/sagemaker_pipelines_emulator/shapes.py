"""Request validation against botocore's SageMaker service model, the contract for every input.

botocore checks only required/type/min on the client; the service also checks max, pattern, enum
and ranges. Constraint failures become one ValidationException in the service's wording
("1 validation error detected: Value 'x' at 'pipelineName' failed to satisfy constraint: ...");
a member of the wrong JSON type is a SerializationException, as the service's JSON reader does.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

from sagemaker_pipelines_emulator import errors
from sagemaker_pipelines_emulator.patterns import matches

_SHOWN_VALUE_CHARS = 100


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("sagemaker")


@lru_cache(maxsize=64)
def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)


def _member_path(parent: str, name: str) -> str:
    member = name[:1].lower() + name[1:]
    return f"{parent}.{member}" if parent else member


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > _SHOWN_VALUE_CHARS:
        text = text[:_SHOWN_VALUE_CHARS] + "..."
    return f"'{text}'"


def _java_length(text: str) -> int:
    """String length as the service counts it: UTF-16 code units."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


class _Checker:
    def __init__(self) -> None:
        self.constraint_errors: list[str] = []

    def fail(self, value: object, path: str, constraint: str) -> None:
        shown = "null" if value is None else _shown(value)
        self.constraint_errors.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def wrong_type(self, value: object, path: str, expected: str) -> errors.ApiError:
        got = type(value).__name__
        names = {"dict": "object", "list": "list", "str": "string", "bool": "boolean", "NoneType": "null"}
        return errors.serialization(
            f"Unexpected value for '{path}': expected {expected}, got {names.get(got, 'number')}"
        )

    def check(self, shape: Shape, value: Any, path: str) -> None:
        kind = shape.type_name
        if kind == "structure":
            self.structure(shape, value, path)
        elif kind == "list":
            self.list(shape, value, path)
        elif kind == "map":
            if not isinstance(value, dict):
                raise self.wrong_type(value, path, "an object")
            for key, item in value.items():
                self.check(shape.value, item, f"{path}.{key}")
        elif kind == "string":
            self.string(shape, value, path)
        elif kind in ("integer", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                raise self.wrong_type(value, path, "an integer")
            self.range(shape, value, path)
        elif kind in ("float", "double"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise self.wrong_type(value, path, "a number")
            self.range(shape, value, path)
        elif kind == "boolean" and not isinstance(value, bool):
            raise self.wrong_type(value, path, "true or false")
        elif kind == "timestamp" and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
            raise self.wrong_type(value, path, "a timestamp (epoch seconds)")

    def structure(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise self.wrong_type(value, path or "request", "an object")
        for name in shape.required_members:
            if value.get(name) is None:
                self.fail(None, _member_path(path, name), "Member must not be null")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                self.check(member, value[name], _member_path(path, name))

    def list(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise self.wrong_type(value, path, "a list")
        self.length(shape, value, len(value), path)
        for index, item in enumerate(value, start=1):
            self.check(shape.member, item, f"{path}.{index}.member")

    def string(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise self.wrong_type(value, path, "a string")
        self.length(shape, value, _java_length(value), path)
        enum = shape.enum
        if enum and value not in enum:
            self.fail(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = shape.metadata.get("pattern")
        if pattern and not matches(pattern, value):
            self.fail(value, path, f"Member must satisfy regular expression pattern: {pattern}")

    def length(self, shape: Shape, value: object, length: int, path: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and length < low:
            self.fail(value, path, f"Member must have length greater than or equal to {low}")
        if high is not None and length > high:
            self.fail(value, path, f"Member must have length less than or equal to {high}")

    def range(self, shape: Shape, value: float, path: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self.fail(value, path, f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            self.fail(value, path, f"Member must have value less than or equal to {high}")


def validate_input(operation: str, params: Any) -> None:
    """Raise the service's error for `params` of `operation`, or return when they are acceptable."""
    shape = operation_model(operation).input_shape
    if shape is None:
        return
    checker = _Checker()
    checker.check(shape, params, "")
    problems = checker.constraint_errors
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise errors.validation(f"{len(problems)} validation {noun} detected: {'; '.join(problems)}")


def validate_output(operation: str, body: Any) -> list[str]:
    """Everything in a response that the model would not allow (used by tests to keep the emulator honest)."""
    shape = operation_model(operation).output_shape
    if shape is None:
        return []
    checker = _Checker()
    try:
        checker.check(shape, body, "")
    except errors.ApiError as exc:
        return [exc.message]
    return checker.constraint_errors

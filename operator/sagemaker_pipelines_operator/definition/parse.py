"""parse_definition: JSON text, YAML text or a mapping -> a plain JSON-compatible dict, or DefinitionError."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from sagemaker_pipelines_operator.definition.errors import DefinitionError
from sagemaker_pipelines_operator.definition.problems import DefinitionProblem

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MAX_NESTING_DEPTH = 200
"""Deepest nesting of objects and lists accepted in a definition. SageMaker documents no limit and
SDK-built definitions stay below 20 levels; deeper input exhausted Python's recursion in the
copies, hashes and checks that follow, so it is refused first, without recursion."""


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str, line: int | None) -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__(f"duplicate key '{key}'{where}: the later value would silently win")


class _DefinitionLoader(yaml.SafeLoader):
    """SafeLoader that keeps `2020-12-01` a string (as kubectl does) and rejects duplicate keys."""


# PyYAML would turn an unquoted `Version: 2020-12-01` into a date; Kubernetes keeps it a string.
_DefinitionLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise _DuplicateKeyError(str(key), key_node.start_mark.line + 1)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_DefinitionLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key, None)
        out[key] = value
    return out


class _ConstantError(ValueError):
    """NaN/Infinity: Python's json accepts them, JSON (and SageMaker) does not."""


def _reject_constant(name: str) -> float:
    raise _ConstantError(f"{name} is not a JSON number")


def _loads_json(text: str) -> object:
    return json.loads(text, object_pairs_hook=_json_pairs, parse_constant=_reject_constant)


_TOO_DEEP = f"nested more than {MAX_NESTING_DEPTH} levels deep (objects and lists); flatten it"


def nesting_depth(value: object, stop_after: int = MAX_NESTING_DEPTH) -> int:
    """Levels of objects and lists in `value` (a scalar is 0), counted without recursion; counting
    stops once `stop_after` is exceeded, so the result is then `stop_after + 1`."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, Sequence) and not isinstance(item, (str, bytes, bytearray)):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > stop_after:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _type_name(value: object) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return names.get(type(value), type(value).__name__)


def _to_json_tree(value: object, path: str, problems: list[DefinitionProblem]) -> Any:
    """Copy `value` into plain dict/list/scalars, reporting anything JSON cannot carry."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append(DefinitionProblem(path, f"{value} is not a JSON number"))
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(DefinitionProblem(path, f"key {key!r} must be a string"))
                continue
            out[key] = _to_json_tree(item, f"{path}.{key}" if path else key, problems)
        return out
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [_to_json_tree(item, f"{path}[{index}]", problems) for index, item in enumerate(value)]
    problems.append(DefinitionProblem(path, f"{type(value).__name__} value {value!r} is not JSON"))
    return None


def _parse_text(text: str, allow_yaml: bool) -> object:
    try:
        return _parse_text_of_any_depth(text, allow_yaml)
    except RecursionError:  # json and PyYAML both recurse per level
        raise DefinitionError([DefinitionProblem("", _TOO_DEEP)]) from None


def _parse_text_of_any_depth(text: str, allow_yaml: bool) -> object:
    try:
        return _loads_json(text)
    except (_DuplicateKeyError, _ConstantError) as exc:
        raise DefinitionError([DefinitionProblem("", str(exc))]) from exc
    except ValueError as json_error:
        if not allow_yaml:
            raise DefinitionError([DefinitionProblem("", f"not valid JSON: {json_error}")]) from json_error
        try:
            return yaml.load(text, Loader=_DefinitionLoader)
        except _DuplicateKeyError as exc:
            raise DefinitionError([DefinitionProblem("", str(exc))]) from exc
        except yaml.YAMLError as yaml_error:
            looks_like_json = text.lstrip().startswith(("{", "["))
            message = f"not valid JSON: {json_error}" if looks_like_json else f"not valid YAML: {yaml_error}"
            raise DefinitionError([DefinitionProblem("", message)]) from yaml_error


def parse_definition(source: str | bytes | Mapping[str, Any], *, allow_yaml: bool = True) -> dict[str, Any]:
    """Parse a pipeline definition; the result is a fresh dict of plain JSON values.

    Text is tried as JSON first, then (unless `allow_yaml=False`, as SageMaker itself does) as YAML.
    """
    if isinstance(source, (bytes, bytearray)):
        try:
            source = bytes(source).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DefinitionError([DefinitionProblem("", f"not UTF-8 text: {exc}")]) from exc
    if isinstance(source, str):
        if not source.strip():
            raise DefinitionError([DefinitionProblem("", "the definition is empty")])
        loaded = _parse_text(source, allow_yaml)
    else:
        loaded = source
    if not isinstance(loaded, Mapping):
        raise DefinitionError(
            [DefinitionProblem("", f"a definition must be a JSON object, got {_type_name(loaded)}")]
        )
    if nesting_depth(loaded) > MAX_NESTING_DEPTH:
        raise DefinitionError([DefinitionProblem("", _TOO_DEEP)])
    problems: list[DefinitionProblem] = []
    tree = _to_json_tree(loaded, "", problems)
    if problems:
        raise DefinitionError(problems)
    result: dict[str, Any] = tree
    return result

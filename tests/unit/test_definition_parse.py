"""parse_definition: JSON, YAML and mappings in; plain dicts or a DefinitionError naming the problem out."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

from sagemaker_pipelines_operator.definition import DefinitionError, parse_definition
from sagemaker_pipelines_operator.definition.parse import nesting_depth

GOOD = [
    ("json-text", '{"Version": "2020-12-01", "Steps": []}', {"Version": "2020-12-01", "Steps": []}),
    ("json-bytes", b'{"Version": "2020-12-01"}', {"Version": "2020-12-01"}),
    ("yaml-keeps-date-a-string", "Version: 2020-12-01\nSteps: []\n", {"Version": "2020-12-01", "Steps": []}),
    (
        "yaml-flow",
        "{Version: '2020-12-01', Steps: [{Name: A}]}",
        {"Version": "2020-12-01", "Steps": [{"Name": "A"}]},
    ),
    (
        "yaml-numbers-typed",
        "Parameters:\n- {Name: N, Type: Integer, DefaultValue: 3}\n",
        {"Parameters": [{"Name": "N", "Type": "Integer", "DefaultValue": 3}]},
    ),
    ("mapping", OrderedDict(Version="2020-12-01", Steps=()), {"Version": "2020-12-01", "Steps": []}),
]


@pytest.mark.parametrize(("source", "expected"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_parses_to_plain_dicts(source: Any, expected: dict[str, Any]) -> None:
    parsed = parse_definition(source)
    assert parsed == expected
    assert type(parsed) is dict


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth - 1):
        value = [value]
    return {"Deep": value} if depth else value


BAD = [
    ("empty", "   \n", "the definition is empty"),
    (
        "broken-json",
        '{"Version": "2020-12-01",, }',
        "not valid JSON: Expecting property name enclosed in double",
    ),
    ("broken-yaml", "Steps: [\n  - a\n", "not valid YAML:"),
    ("list-not-object", "[1, 2]", "a definition must be a JSON object, got list"),
    ("scalar-not-object", "42", "a definition must be a JSON object, got number"),
    (
        "duplicate-json-key",
        '{"Steps": [], "Steps": [1]}',
        "duplicate key 'Steps': the later value would silently win",
    ),
    ("duplicate-yaml-key", "Steps: []\nVersion: x\nSteps: []\n", "duplicate key 'Steps' (line 3)"),
    ("nan-constant", '{"x": NaN}', "NaN is not a JSON number"),
    ("not-utf8", b"\xff\xfe{", "not UTF-8 text"),
    ("yaml-binary-value", "Blob: !!binary aGVsbG8=\n", "Blob: bytes value"),
    ("json-past-recursion", '{"x": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than 200 levels deep"),
    ("yaml-past-recursion", "x: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 200 levels deep"),
    ("mapping-too-deep", {"x": nested(201)}, "nested more than 200 levels deep"),
]


@pytest.mark.parametrize(("source", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_refuses_with_a_precise_message(source: str | bytes, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(source)
    assert message in str(caught.value)
    assert caught.value.problems


@pytest.mark.parametrize(
    ("value", "depth"),
    [("x", 0), ({}, 1), ([[], {"a": [1]}], 3), (nested(200), 200), (nested(5000), 201)],
    ids=["scalar", "empty-object", "mixed", "at-the-limit", "counting-stops-past-the-limit"],
)
def test_nesting_depth(value: Any, depth: int) -> None:
    assert nesting_depth(value) == depth


def test_a_mapping_at_the_limit_is_accepted() -> None:
    assert parse_definition({"x": nested(199)})["x"] == nested(199)


def test_json_only_mode_refuses_yaml() -> None:
    with pytest.raises(DefinitionError, match="not valid JSON"):
        parse_definition("Version: 2020-12-01\n", allow_yaml=False)


def test_result_is_a_copy_not_the_callers_mapping() -> None:
    source = {"Steps": [{"Name": "A"}]}
    parsed = parse_definition(source)
    parsed["Steps"][0]["Name"] = "B"
    assert source["Steps"][0]["Name"] == "A"

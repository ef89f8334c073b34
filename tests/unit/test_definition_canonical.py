"""canonical_json / definition_hash: key order and whitespace never matter; values always do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagemaker_pipelines_operator.definition import canonical_json, definition_hash, parse_definition

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=6)
# The machine is shared: no per-example deadline, and a modest example count keeps the suite fast.
quick = settings(max_examples=60, deadline=None)


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


@quick
@given(json_objects)
def test_key_order_does_not_change_canonical_json_or_hash(obj: dict[str, Any]) -> None:
    shuffled = reversed_keys(obj)
    assert canonical_json(shuffled) == canonical_json(obj)
    assert definition_hash(shuffled) == definition_hash(obj)


@quick
@given(json_objects, st.sampled_from([None, 1, 2, 4]))
def test_whitespace_of_the_source_text_does_not_change_the_hash(
    obj: dict[str, Any], indent: int | None
) -> None:
    text = json.dumps(obj, indent=indent)
    assert definition_hash(parse_definition(text)) == definition_hash(obj)


@quick
@given(json_objects)
def test_canonical_json_round_trips_to_an_equal_object(obj: dict[str, Any]) -> None:
    assert json.loads(canonical_json(obj)) == obj


@quick
@given(json_objects, st.text(min_size=1, max_size=8))
def test_changing_a_value_changes_the_hash(obj: dict[str, Any], key: str) -> None:
    changed = dict(obj)
    changed[key] = ["a value that is not in the strategy", obj.get(key)]
    assert definition_hash(changed) != definition_hash(obj)


CASES = [
    ("sorted-keys-no-spaces", {"b": 1, "a": [1, 2]}, '{"a":[1,2],"b":1}'),
    ("integral-float-kept", {"x": 1.0}, '{"x":1.0}'),
    ("unicode-kept", {"name": "modèle"}, '{"name":"modèle"}'),
    ("nested-sorted", {"z": {"b": True, "a": None}}, '{"z":{"a":null,"b":true}}'),
    ("tuples-are-lists", {"t": (1, "a")}, '{"t":[1,"a"]}'),
]


@pytest.mark.parametrize(("obj", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_canonical_json_spelling(obj: object, expected: str) -> None:
    assert canonical_json(obj) == expected


def test_hash_is_64_hex_characters() -> None:
    digest = definition_hash({"Version": "2020-12-01"})
    assert len(digest) == 64
    assert int(digest, 16) >= 0


@pytest.mark.parametrize(
    ("obj", "error"),
    [({"x": float("nan")}, ValueError), ({1: "a"}, TypeError), ({"b": b"bytes"}, TypeError)],
    ids=["nan", "non-string-key", "bytes"],
)
def test_values_json_cannot_carry_are_refused(obj: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        canonical_json(obj)

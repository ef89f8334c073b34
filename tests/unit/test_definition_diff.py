"""definition_diff: a unified diff of key-sorted, indented JSON; empty when only formatting differs."""

from __future__ import annotations

import json

from sagemaker_pipelines_operator.definition import definition_diff

OLD = {"Version": "2020-12-01", "Steps": [{"Name": "Train", "Type": "Training", "Arguments": {"Epochs": 10}}]}


def test_equal_definitions_differ_by_nothing_even_when_spelt_differently() -> None:
    reordered = json.dumps({"Steps": OLD["Steps"], "Version": "2020-12-01"}, indent=4)
    assert definition_diff(OLD, reordered) == ""


def test_changed_value_shows_as_one_line_change_with_labels() -> None:
    new = json.loads(json.dumps(OLD))
    new["Steps"][0]["Arguments"]["Epochs"] = 20
    diff = definition_diff(OLD, new, "live (v3)", "desired")
    assert diff.startswith("--- live (v3)\n+++ desired\n")
    assert '-        "Epochs": 10\n' in diff
    assert '+        "Epochs": 20\n' in diff
    assert sum(line.startswith(("-", "+")) for line in diff.splitlines()) == 4


def test_missing_live_definition_diffs_from_nothing() -> None:
    diff = definition_diff(None, OLD)
    assert '+  "Version": "2020-12-01"' in diff
    assert not any(line.startswith("-") and not line.startswith("---") for line in diff.splitlines())

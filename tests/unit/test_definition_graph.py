"""step_dependencies, find_cycle and topological_order on small, readable graphs."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.definition import (
    DefinitionError,
    find_cycle,
    step_dependencies,
    topological_order,
)
from sagemaker_pipelines_operator.definition.graph import dependents


def job(name: str, *, depends_on: list[str] | None = None, reads: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"Name": name, "Type": "Processing", "Arguments": {}}
    if depends_on:
        body["DependsOn"] = depends_on
    if reads:
        body["Arguments"]["Input"] = {
            "Get": f"Steps.{reads}.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"
        }
    return body


def condition(
    name: str, reads: str, if_steps: list[dict[str, Any]], else_steps: list[dict[str, Any]]
) -> dict[str, Any]:
    left = {"Std:JsonGet": {"PropertyFile": {"Get": f"Steps.{reads}.PropertyFiles.Report"}, "Path": "a.b"}}
    return {
        "Name": name,
        "Type": "Condition",
        "Arguments": {
            "Conditions": [{"Type": "GreaterThan", "LeftValue": left, "RightValue": 1}],
            "IfSteps": if_steps,
            "ElseSteps": else_steps,
        },
    }


GRAPHS: list[tuple[str, list[dict[str, Any]], dict[str, set[str]]]] = [
    ("depends-on", [job("A"), job("B", depends_on=["A"])], {"A": set(), "B": {"A"}}),
    ("property-reference", [job("A"), job("B", reads="A")], {"A": set(), "B": {"A"}}),
    ("unknown-names-left-out", [job("A", depends_on=["Ghost"])], {"A": set()}),
    (
        "condition-branches-wait-for-condition",
        [job("Eval"), condition("Check", "Eval", [job("Deploy", reads="Eval")], [job("Alert")])],
        {"Eval": set(), "Check": {"Eval"}, "Deploy": {"Check", "Eval"}, "Alert": {"Check"}},
    ),
    (
        "condition-own-arguments-exclude-branch-references",
        [job("Eval"), job("Other"), condition("Check", "Eval", [job("Use", reads="Other")], [])],
        {"Eval": set(), "Other": set(), "Check": {"Eval"}, "Use": {"Check", "Other"}},
    ),
]


@pytest.mark.parametrize(("steps", "expected"), [g[1:] for g in GRAPHS], ids=[g[0] for g in GRAPHS])
def test_step_dependencies(steps: list[dict[str, Any]], expected: dict[str, set[str]]) -> None:
    graph = step_dependencies({"Steps": steps})
    assert {name: set(deps) for name, deps in graph.items()} == expected


def test_topological_order_respects_edges_and_keeps_definition_order_for_ties() -> None:
    graph = step_dependencies(
        {"Steps": [job("C", depends_on=["A"]), job("A"), job("B"), job("D", reads="C")]}
    )
    assert topological_order(graph) == ["A", "B", "C", "D"]


CYCLES = [
    ("two-steps", {"A": frozenset({"B"}), "B": frozenset({"A"})}, ["A", "B", "A"]),
    ("self-loop", {"A": frozenset({"A"})}, ["A", "A"]),
    (
        "three-steps",
        {"A": frozenset({"C"}), "B": frozenset({"A"}), "C": frozenset({"B"})},
        ["A", "C", "B", "A"],
    ),
    ("acyclic", {"A": frozenset(), "B": frozenset({"A"})}, None),
]


@pytest.mark.parametrize(("graph", "expected"), [c[1:] for c in CYCLES], ids=[c[0] for c in CYCLES])
def test_find_cycle(graph: dict[str, frozenset[str]], expected: list[str] | None) -> None:
    assert find_cycle(graph) == expected


def test_topological_order_refuses_a_cycle_and_names_it() -> None:
    with pytest.raises(DefinitionError, match="dependency cycle: A -> B -> A"):
        topological_order({"A": frozenset({"B"}), "B": frozenset({"A"})})


def test_dependents_reverse_the_graph() -> None:
    assert dependents({"A": frozenset(), "B": frozenset({"A"}), "C": frozenset({"A"})}) == {
        "A": frozenset({"B", "C"}),
        "B": frozenset(),
        "C": frozenset(),
    }

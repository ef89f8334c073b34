"""The step graph: who depends on whom (DependsOn, `Get: Steps.X` references, Condition branches,
what a ForEach body waits for), cycle detection and a deterministic topological order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.definition.errors import DefinitionError
from sagemaker_pipelines_operator.definition.problems import DefinitionProblem
from sagemaker_pipelines_operator.definition.references import step_references
from sagemaker_pipelines_operator.definition.run_conditions import run_conditions
from sagemaker_pipelines_operator.definition.steps import StepRef, graph_steps, iter_steps, step_content


def step_dependencies(definition: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Each named step -> the steps it waits for, in definition order.

    A step waits for its DependsOn entries (names or run conditions), every step whose properties
    it reads, and (for a step inside IfSteps/ElseSteps) its Condition. A ForEach step also waits
    for whatever its body steps wait for outside the body; body steps themselves are not nodes.
    Names that match no step are left out; validate_definition reports them.
    """
    refs = [ref for ref in graph_steps(definition) if ref.name is not None]
    names = {ref.name for ref in refs}
    bodies: dict[str, list[StepRef]] = {}
    for ref in iter_steps(definition):
        if ref.for_each is not None:
            bodies.setdefault(ref.for_each, []).append(ref)
    graph: dict[str, frozenset[str]] = {}
    for ref in refs:
        name = ref.name or ""
        wanted = _wanted(ref)
        for body_ref in bodies.get(name, []) if ref.type == "ForEach" else []:
            wanted |= _wanted(body_ref)
        if name not in graph:  # a duplicate name keeps its first entry
            graph[name] = frozenset(dep for dep in wanted if dep in names)
    return graph


def _wanted(ref: StepRef) -> set[str]:
    wanted: set[str] = set()
    wanted.update(run_conditions(ref.body))
    wanted.update(step_references(step_content(ref)))
    if ref.condition is not None:
        wanted.add(ref.condition)
    return wanted


def find_cycle(graph: Mapping[str, frozenset[str]]) -> list[str] | None:
    """One dependency cycle as a closed walk (`["A", "B", "A"]`), or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for dep in sorted(graph.get(node, frozenset())):
            if colour.get(dep, black) == grey:
                return [*stack[stack.index(dep) :], dep]
            if colour.get(dep) == white:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return None

    for node in graph:
        if colour[node] == white:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def topological_order(graph: Mapping[str, frozenset[str]]) -> list[str]:
    """Steps ordered so every step follows what it waits for; ties keep definition order."""
    remaining = {node: set(deps) & graph.keys() for node, deps in graph.items()}
    order: list[str] = []
    while remaining:
        ready = [node for node, deps in remaining.items() if not deps]
        if not ready:
            cycle = find_cycle(graph) or sorted(remaining)
            raise DefinitionError([DefinitionProblem("Steps", f"dependency cycle: {' -> '.join(cycle)}")])
        for node in ready:
            del remaining[node]
        for deps in remaining.values():
            deps.difference_update(ready)
        order.extend(ready)
    return order


def dependents(graph: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The reverse graph: each step -> the steps that wait for it."""
    reverse: dict[str, set[str]] = {node: set() for node in graph}
    for node, deps in graph.items():
        for dep in deps:
            reverse.setdefault(dep, set()).add(node)
    return {node: frozenset(users) for node, users in reverse.items()}

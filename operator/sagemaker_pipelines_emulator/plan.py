"""ExecutionPlan: what an execution of one pipeline version needs, computed once per version
(steps with their directives, the dependency graph, a topological order, Condition branches)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_emulator.directives import Directives, parse_directives
from sagemaker_pipelines_operator.definition.graph import dependents, step_dependencies, topological_order
from sagemaker_pipelines_operator.definition.parameters import DeclaredParameter, declared_parameters
from sagemaker_pipelines_operator.definition.run_conditions import run_conditions
from sagemaker_pipelines_operator.definition.steps import BRANCHES, iter_steps


@dataclass(frozen=True)
class StepSpec:
    name: str
    type: str
    body: Mapping[str, Any]
    directives: Directives
    condition: str | None = None
    branch: str | None = None

    @property
    def display_name(self) -> str | None:
        value = self.body.get("DisplayName")
        return value if isinstance(value, str) else None

    @property
    def description(self) -> str | None:
        value = self.body.get("Description")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class ExecutionPlan:
    definition: Mapping[str, Any]
    steps: dict[str, StepSpec]
    deps: dict[str, frozenset[str]]
    users: dict[str, frozenset[str]]
    order: tuple[str, ...]
    branches: dict[str, dict[str, tuple[str, ...]]]
    declared: tuple[DeclaredParameter, ...]
    # ForEach step -> its body steps, in body order (they are in `steps` but not in `order`).
    bodies: dict[str, tuple[str, ...]]
    # Step -> upstream step -> the DependsOn trigger (Completed, Failed, Stopped, Any).
    triggers: dict[str, dict[str, str]]

    def ancestors(self, names: set[str]) -> set[str]:
        """Every step that `names` wait for, directly or not (excluding `names`)."""
        seen: set[str] = set()
        stack = [dep for name in names for dep in self.deps[name]]
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.deps[name])
        return seen - names

    def descendants(self, names: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = [user for name in names for user in self.users[name]]
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.users[name])
        return seen - names


def build_plan(definition: Mapping[str, Any]) -> ExecutionPlan:
    """The plan of a definition that validate_definition accepted (DirectiveError for bad directives)."""
    steps: dict[str, StepSpec] = {}
    branches: dict[str, dict[str, tuple[str, ...]]] = {}
    bodies: dict[str, tuple[str, ...]] = {}
    for ref in iter_steps(definition):
        name, step_type = ref.name or "", ref.type or ""
        steps[name] = StepSpec(
            name,
            step_type,
            ref.body,
            parse_directives(ref.body.get("Description")),
            ref.condition,
            ref.branch,
        )
        if ref.for_each is not None:
            bodies[ref.for_each] = (*bodies.get(ref.for_each, ()), name)
        if ref.condition is not None and ref.branch is not None:
            branch = branches.setdefault(ref.condition, {key: () for key in BRANCHES})
            branch[ref.branch] = (*branch[ref.branch], name)
    for spec in steps.values():
        if spec.type == "Condition":
            branches.setdefault(spec.name, {key: () for key in BRANCHES})
    deps = step_dependencies(definition)
    return ExecutionPlan(
        definition=definition,
        steps=steps,
        deps=deps,
        users=dependents(deps),
        order=tuple(topological_order(deps)),
        branches=branches,
        declared=tuple(declared_parameters(definition)),
        bodies=bodies,
        triggers={name: run_conditions(spec.body) for name, spec in steps.items()},
    )

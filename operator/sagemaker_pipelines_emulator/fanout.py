"""A ForEach step in motion: its items, which child step (`<body step>-<index>`) may start next
under MaxConcurrency, the counts ForEachStepMetadata reports, and the Selector's pick.

Pure bookkeeping; the engine starts and ends the children. Like SageMaker, a child waits for the
body steps it depends on in its own iteration; after the first failure no further child starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sagemaker_pipelines_emulator.readiness import handles_failure, readiness
from sagemaker_pipelines_operator.definition.parameters import format_value
from sagemaker_pipelines_operator.definition.references import step_references
from sagemaker_pipelines_operator.definition.run_conditions import run_conditions


class ItemsError(ValueError):
    """IterableItems did not resolve to a list; the ForEach step fails with this message."""


def item_list(value: object) -> list[str]:
    """Resolved IterableItems -> the items as IterationContext shows them (strings).

    A reference resolves to a JSON list string; a literal list holds already resolved scalars.
    Objects inside a JSON list stay JSON text, which the body reads by member.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ItemsError(f"IterableItems is not a JSON list: {exc.msg} in {exc.doc[:80]!r}") from None
    if not isinstance(value, list):
        raise ItemsError(f"IterableItems must resolve to a list, got {type(value).__name__}")
    return [item if isinstance(item, str) else _item_text(item) for item in value]


def _item_text(item: object) -> str:
    return json.dumps(item, separators=(",", ":")) if isinstance(item, (dict, list)) else format_value(item)


@dataclass(frozen=True)
class Child:
    """One child step: body step `template` for item `index`."""

    index: int
    template: str

    @property
    def name(self) -> str:
        return f"{self.template}-{self.index}"


def body_dependencies(body: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, dict[str, str]]:
    """Each body step -> the body steps of the same iteration it waits for, with their DependsOn
    trigger (Completed for a property it reads)."""
    names = {name for name, _ in body}
    graph: dict[str, dict[str, str]] = {}
    for name, step in body:
        wanted = dict.fromkeys(
            step_references({k: v for k, v in step.items() if k != "DependsOn"}), "Completed"
        )
        wanted |= run_conditions(step)
        graph[name] = {dep: trigger for dep, trigger in wanted.items() if dep in names and dep != name}
    return graph


@dataclass
class FanOut:
    """The children of one ForEach run and their states (pending, running, succeeded, failed, stopped)."""

    items: list[str]
    templates: tuple[str, ...]
    deps: Mapping[str, Mapping[str, str]]
    max_concurrency: int
    states: dict[Child, str] = field(default_factory=dict)
    selected: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        for index in range(len(self.items)):
            for template in self.templates:
                self.states.setdefault(Child(index, template), "pending")

    def count(self, state: str) -> int:
        return sum(1 for value in self.states.values() if value == state)

    def ready(self) -> list[Child]:
        """The children to start now, within MaxConcurrency: dependencies met (readiness.py) and no
        child failed yet, unless the child runs on a sibling's failure; children that never can
        run become skipped or blocked."""
        stalled = bool(self.count("failed") or self.count("stopped"))
        room = self.max_concurrency - self.count("running")
        chosen: list[Child] = []
        for child, state in self.states.items():
            if state != "pending":
                continue
            triggers = self.deps.get(child.template, {})
            states = {dep: self.states[Child(child.index, dep)] for dep in triggers}
            verdict = readiness(states, triggers)
            if verdict in ("skip", "block"):
                self.states[child] = "skipped" if verdict == "skip" else "blocked"
            elif (
                verdict == "run" and len(chosen) < room and (not stalled or handles_failure(states, triggers))
            ):
                chosen.append(child)
        for child in chosen:
            self.states[child] = "running"
        return chosen

    def ended(self, child: Child, state: str) -> None:
        self.states[child] = state

    @property
    def done(self) -> bool:
        """Nothing runs and, `ready()` having just started nothing, nothing more can start."""
        return self.count("running") == 0

    def status(self) -> str:
        if self.count("stopped"):
            return "Stopped"
        return "Failed" if self.count("failed") else "Succeeded"

    def metadata(self, final_status: str | None = None) -> dict[str, Any]:
        """ForEachStepMetadata as botocore models it (Status and Selector once the step has ended)."""
        meta: dict[str, Any] = {
            "InputItemCount": len(self.items),
            "TotalStepCount": len(self.states),
            "SucceededStepCount": self.count("succeeded"),
            "FailedStepCount": self.count("failed"),
            "StoppedStepCount": self.count("stopped"),
        }
        if final_status is not None:
            meta["Status"] = final_status
            if self.selected is not None:
                meta["Selector"] = dict(self.selected)
        return meta

    def aggregates(self) -> dict[str, Any]:
        """The ForEach step's readable properties (Steps.<name>.SucceededStepCount, ...)."""
        meta = self.metadata(self.status())
        meta.pop("Selector", None)
        return meta

    def select(self, pick: str, template: str, score: Callable[[Child], Any]) -> dict[str, Any] | None:
        """The Selector's result: the iteration whose `template` child scores highest (MaxBy) or lowest."""
        scored: list[tuple[float, int]] = []
        for index in range(len(self.items)):
            child = Child(index, template)
            if self.states.get(child) != "succeeded":
                continue
            value = score(child)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                scored.append((float(value), index))
            elif isinstance(value, str):
                try:
                    scored.append((float(value), index))
                except ValueError:
                    continue
        if not scored:
            return None
        # Ties go to the lowest index either way.
        best = max(scored, key=lambda pair: (pair[0], -pair[1])) if pick == "MaxBy" else min(scored)
        return {"StepName": template, "Index": best[1]}

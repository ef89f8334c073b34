"""Where the steps of a definition are: top-level `Steps` plus every Condition's IfSteps/ElseSteps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

BRANCHES = ("IfSteps", "ElseSteps")


@dataclass(frozen=True)
class StepRef:
    """One step entry, wherever it sits; `condition`/`branch` are set for steps inside a branch."""

    path: str
    body: Mapping[str, Any]
    condition: str | None = None
    branch: str | None = None

    @property
    def name(self) -> str | None:
        name = self.body.get("Name")
        return name if isinstance(name, str) else None

    @property
    def type(self) -> str | None:
        step_type = self.body.get("Type")
        return step_type if isinstance(step_type, str) else None


def _walk(entries: object, path: str, condition: str | None, branch: str | None) -> Iterator[StepRef]:
    if not isinstance(entries, list):
        return
    for index, body in enumerate(entries):
        if not isinstance(body, Mapping):
            continue
        ref = StepRef(f"{path}[{index}]", body, condition, branch)
        yield ref
        arguments = body.get("Arguments")
        if ref.type == "Condition" and isinstance(arguments, Mapping):
            for name in BRANCHES:
                yield from _walk(arguments.get(name), f"{ref.path}.Arguments.{name}", ref.name, name)


def iter_steps(definition: Mapping[str, Any]) -> Iterator[StepRef]:
    """Every step that is a mapping, depth first, in definition order (branch steps after their Condition)."""
    yield from _walk(definition.get("Steps"), "Steps", None, None)


def step_content(ref: StepRef) -> dict[str, Any]:
    """The step without the nested branch steps, which belong to the steps inside them."""
    body = dict(ref.body)
    arguments = body.get("Arguments")
    if ref.type == "Condition" and isinstance(arguments, Mapping):
        body["Arguments"] = {key: value for key, value in arguments.items() if key not in BRANCHES}
    return body

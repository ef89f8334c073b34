"""Where the steps of a definition are: top-level `Steps`, every Condition's IfSteps/ElseSteps and
every ForEach's ForEachBody (steps that run once per item, not as nodes of the pipeline graph)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

BRANCHES = ("IfSteps", "ElseSteps")
FOR_EACH_BODY = "ForEachBody"


@dataclass(frozen=True)
class StepRef:
    """One step entry, wherever it sits; `condition`/`branch` are set for steps inside a branch,
    `for_each` for steps in a ForEach body."""

    path: str
    body: Mapping[str, Any]
    condition: str | None = None
    branch: str | None = None
    for_each: str | None = None

    @property
    def name(self) -> str | None:
        name = self.body.get("Name")
        return name if isinstance(name, str) else None

    @property
    def type(self) -> str | None:
        step_type = self.body.get("Type")
        return step_type if isinstance(step_type, str) else None


def _walk(
    entries: object, path: str, condition: str | None, branch: str | None, for_each: str | None
) -> Iterator[StepRef]:
    if not isinstance(entries, list):
        return
    for index, body in enumerate(entries):
        if not isinstance(body, Mapping):
            continue
        ref = StepRef(f"{path}[{index}]", body, condition, branch, for_each)
        yield ref
        arguments = body.get("Arguments")
        if not isinstance(arguments, Mapping):
            continue
        if ref.type == "Condition":
            for name in BRANCHES:
                yield from _walk(
                    arguments.get(name), f"{ref.path}.Arguments.{name}", ref.name, name, for_each
                )
        elif ref.type == "ForEach" and for_each is None:
            body_path = f"{ref.path}.Arguments.{FOR_EACH_BODY}"
            yield from _walk(arguments.get(FOR_EACH_BODY), body_path, None, None, ref.name)


def iter_steps(definition: Mapping[str, Any]) -> Iterator[StepRef]:
    """Every step that is a mapping, depth first, in definition order (nested steps after their parent)."""
    yield from _walk(definition.get("Steps"), "Steps", None, None, None)


def graph_steps(definition: Mapping[str, Any]) -> Iterator[StepRef]:
    """The steps that are nodes of the pipeline graph: all but ForEach body steps."""
    return (ref for ref in iter_steps(definition) if ref.for_each is None)


def for_each_body(definition: Mapping[str, Any], parent: str) -> list[StepRef]:
    """The body steps of ForEach step `parent`, in body order."""
    return [ref for ref in iter_steps(definition) if ref.for_each == parent]


def step_content(ref: StepRef) -> dict[str, Any]:
    """The step without the nested steps, which belong to the steps inside them."""
    body = dict(ref.body)
    arguments = body.get("Arguments")
    if ref.type == "Condition" and isinstance(arguments, Mapping):
        body["Arguments"] = {key: value for key, value in arguments.items() if key not in BRANCHES}
    elif ref.type == "ForEach" and isinstance(arguments, Mapping):
        body["Arguments"] = {key: value for key, value in arguments.items() if key != FOR_EACH_BODY}
    return body

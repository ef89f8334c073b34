"""ForEach steps: their Arguments (items, concurrency, body, selector) and how others may read them.

The shapes and limits are the ones sagemaker-mlops 1.27 writes and enforces
(`sagemaker/mlops/workflow/for_each_step.py`): IterableItems is a list of 1-100 scalars or
references, or one reference resolving to a JSON list string; MaxConcurrency is 1-50; a body holds
no Condition, Fail or ForEach step; a Selector picks MaxBy/MinBy an `IterationOutput.<body step>`
member. Child steps are named `<body step>-<index>`, so no other step may be named like one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sagemaker_pipelines_operator.definition.problems import DefinitionProblem
from sagemaker_pipelines_operator.definition.references import parse_get
from sagemaker_pipelines_operator.definition.steps import FOR_EACH_BODY, StepRef

MAX_LITERAL_ITEMS = 100
MAX_CONCURRENCY = (1, 50)
BODY_FORBIDDEN_TYPES = ("Condition", "Fail", "ForEach")
SELECTOR_PICKS = ("MaxBy", "MinBy")
AGGREGATE_PROPERTIES = (
    "Status",
    "InputItemCount",
    "TotalStepCount",
    "SucceededStepCount",
    "FailedStepCount",
    "StoppedStepCount",
)
_ARGUMENTS = ("IterableItems", "MaxConcurrency", "Selector", FOR_EACH_BODY)
_ITERATION_OUTPUT = re.compile(r"^\.IterationOutputs\[(\d+)\]\.([^.\[]+)[.\[].+")
_SELECTED = re.compile(r"^\.Selected[.\[].+")
_AGGREGATE = re.compile(rf"^\.({'|'.join(AGGREGATE_PROPERTIES)})$")
_SELECTOR_FIELD = re.compile(r"^IterationOutput\.([^.\[]+)[.\[].+")


def _is_expression(value: object) -> bool:
    return isinstance(value, Mapping) and any(
        key == "Get" or (isinstance(key, str) and key.startswith("Std:")) for key in value
    )


class ForEachChecker:
    """Problems of one ForEach step, given its body steps and the pipeline's parameter types."""

    def __init__(
        self, ref: StepRef, body: Sequence[StepRef], parameter_types: Mapping[str, str], graph_names: set[str]
    ) -> None:
        self.ref = ref
        self.body = body
        self.parameter_types = parameter_types
        self.graph_names = graph_names
        self.problems: list[DefinitionProblem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(DefinitionProblem(f"{self.ref.path}.Arguments{field}", message, self.ref.name))

    def check(self) -> list[DefinitionProblem]:
        if self.ref.for_each is not None:
            return self.problems  # reported as a forbidden body type by the parent
        arguments = self.ref.body.get("Arguments")
        if not isinstance(arguments, Mapping):
            self.add("", "a ForEach step needs Arguments with IterableItems, MaxConcurrency and ForEachBody")
            return self.problems
        for key in arguments:
            if key not in _ARGUMENTS:
                self.add(f".{key}", f"unknown ForEach argument (expected {', '.join(_ARGUMENTS)})")
        self.items(arguments.get("IterableItems"))
        self.concurrency(arguments.get("MaxConcurrency"))
        self.body_steps(arguments.get(FOR_EACH_BODY))
        if "Selector" in arguments:
            self.selector(arguments["Selector"])
        self.child_name_clashes()
        return self.problems

    def items(self, items: object) -> None:
        if items is None:
            self.add(
                ".IterableItems",
                "a ForEach step needs IterableItems: a list of items, or a reference to a JSON list "
                "(a parameter or a step property)",
            )
        elif isinstance(items, list):
            if not 1 <= len(items) <= MAX_LITERAL_ITEMS:
                self.add(
                    ".IterableItems", f"a list of items holds 1 to {MAX_LITERAL_ITEMS}, got {len(items)}"
                )
            for index, item in enumerate(items):
                scalar = isinstance(item, (str, int, float, bool))
                if item is None or not (scalar or _is_expression(item)):
                    self.add(
                        f".IterableItems[{index}]",
                        f"an item is a string, number, boolean or reference, got {_shown(item)}",
                    )
        elif isinstance(items, Mapping) and _is_expression(items):
            self.parameter_items(items)
        else:
            self.add(
                ".IterableItems",
                f"IterableItems must be a list or a reference to a JSON list; a single value "
                f"({_shown(items)}) cannot be iterated",
            )

    def parameter_items(self, items: Mapping[str, Any]) -> None:
        expression = items.get("Get")
        if not isinstance(expression, str):
            return
        root, target, _ = parse_get(expression)
        declared = self.parameter_types.get(target)
        if root == "Parameters" and declared is not None and declared != "String":
            self.add(
                ".IterableItems.Get",
                f"parameter '{target}' is a {declared}; IterableItems needs a String holding a JSON list",
            )

    def concurrency(self, value: object) -> None:
        low, high = MAX_CONCURRENCY
        if value is None:
            self.add(
                ".MaxConcurrency", f"a ForEach step needs MaxConcurrency, an integer from {low} to {high}"
            )
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(
                ".MaxConcurrency", f"MaxConcurrency must be an integer from {low} to {high}, got {value!r}"
            )

    def body_steps(self, entries: object) -> None:
        if not isinstance(entries, list) or not entries:
            self.add(f".{FOR_EACH_BODY}", "a ForEach step needs ForEachBody, a non-empty list of steps")
            return
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                self.add(
                    f".{FOR_EACH_BODY}[{index}]", "a step must be an object with Name, Type and Arguments"
                )
            elif entry.get("Type") in BODY_FORBIDDEN_TYPES:
                self.add(
                    f".{FOR_EACH_BODY}[{index}].Type",
                    f"a {entry.get('Type')} step cannot be in a ForEach body "
                    f"(not allowed: {', '.join(BODY_FORBIDDEN_TYPES)})",
                )

    def selector(self, selector: object) -> None:
        if not isinstance(selector, Mapping):
            self.add(
                ".Selector",
                "Selector must be an object {Pick: MaxBy|MinBy, Field: {Get: IterationOutput...}}",
            )
            return
        if selector.get("Pick") not in SELECTOR_PICKS:
            self.add(
                ".Selector.Pick",
                f"Pick must be one of {', '.join(SELECTOR_PICKS)}, got {selector.get('Pick')!r}",
            )
        for key in selector:
            if key not in ("Pick", "Field"):
                self.add(f".Selector.{key}", "unknown Selector field (expected Pick and Field)")
        field = selector.get("Field")
        expression = field.get("Get") if isinstance(field, Mapping) else None
        match = _SELECTOR_FIELD.match(expression) if isinstance(expression, str) else None
        names = [ref.name for ref in self.body if ref.name]
        if match is None:
            self.add(
                ".Selector.Field",
                "Field must be {Get: 'IterationOutput.<body step>.<member>'}, "
                "drilling at least one member deep",
            )
        elif match.group(1) not in names:
            self.add(
                ".Selector.Field.Get",
                f"'{match.group(1)}' is not a body step of this ForEach (body: {', '.join(names)})",
            )

    def child_name_clashes(self) -> None:
        for ref in self.body:
            pattern = re.compile(rf"{re.escape(ref.name or '')}-\d+")
            for name in sorted(self.graph_names):
                if pattern.fullmatch(name):
                    self.problems.append(
                        DefinitionProblem(
                            f"{ref.path}.Name",
                            f"step '{name}' is named like an iteration of body step '{ref.name}' "
                            f"('{ref.name}-<index>'); rename one of them",
                            ref.name,
                        )
                    )


def for_each_property_problem(
    expression: str, rest: str, parent: StepRef, body_names: list[str]
) -> str | None:
    """Why `Steps.<ForEach>...` (`rest` after the step name) is not a readable property, or None."""
    if _AGGREGATE.match(rest):
        return None
    iteration = _ITERATION_OUTPUT.match(rest)
    if iteration is not None:
        if iteration.group(2) in body_names:
            return None
        return f"'{expression}': '{iteration.group(2)}' is not a body step of ForEach '{parent.name}'"
    if _SELECTED.match(rest):
        arguments = parent.body.get("Arguments")
        if isinstance(arguments, Mapping) and "Selector" in arguments:
            return None
        return f"'{expression}': ForEach '{parent.name}' has no Selector, so nothing is Selected"
    return (
        f"'{expression}': a ForEach step has {', '.join(AGGREGATE_PROPERTIES)}, "
        "IterationOutputs[<index>].<body step>.<member> and Selected.<member>"
    )


def _shown(value: object) -> str:
    return "null" if value is None else repr(value)

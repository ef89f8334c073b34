"""Step outcomes kept outside the definition: rules by pipeline and step name (outputs, property
files, failures per attempt, durations, callback answers), from a side file or the admin API.

A rule's fields override the step's `emulator:` directives one by one; among rules matching the same
step, the later one wins, so rules added over the admin API override those from the side file.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

Scalar = str | int | float | bool


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class CallbackAnswer(_Model):
    """How the outside world answers a Callback step: with outputs, or with a failure."""

    outputs: dict[str, Scalar] = Field(default_factory=dict)
    failure_reason: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_answer(self) -> CallbackAnswer:
        if self.outputs and self.failure_reason is not None:
            raise ValueError("a callback answer has either outputs (success) or failureReason, not both")
        return self


class StepOutcome(_Model):
    """What one step does when it runs."""

    outputs: dict[str, Scalar] = Field(
        default_factory=dict,
        description="published values: a JsonGet path, a property path or a Lambda output name",
    )
    property_files: dict[str, Any] = Field(
        default_factory=dict, description="PropertyFileName -> the JSON document the step writes"
    )
    fail: bool | int | None = Field(
        default=None, description="true: every attempt fails; N: the first N attempts; false: never"
    )
    failure_message: str | None = Field(default=None, min_length=1)
    seconds: float | None = Field(default=None, ge=0)
    callback: CallbackAnswer | None = None

    @model_validator(mode="after")
    def _fail_count(self) -> StepOutcome:
        if not isinstance(self.fail, bool) and isinstance(self.fail, int) and self.fail < 1:
            raise ValueError(f"fail must be true, false or a number of attempts >= 1, got {self.fail}")
        return self

    def failed_attempts(self) -> int | None:
        """None: no say; 0: never fails; -1: every attempt; N: the first N attempts."""
        if self.fail is None:
            return None
        if isinstance(self.fail, bool):
            return -1 if self.fail else 0
        return self.fail


class OutcomeRule(StepOutcome):
    """A StepOutcome for the steps named `step` of the pipelines named `pipeline` (shell wildcards)."""

    pipeline: str = Field(default="*", min_length=1)
    step: str = Field(min_length=1)

    def matches(self, pipeline: str, step: str) -> bool:
        # SageMaker pipeline names are case-insensitive; step names are not.
        return fnmatch.fnmatch(pipeline.lower(), self.pipeline.lower()) and fnmatch.fnmatchcase(
            step, self.step
        )


class OutcomeRules(_Model):
    """The side file: `rules: [{pipeline, step, outputs, propertyFiles, fail, ...}, ...]`."""

    rules: tuple[OutcomeRule, ...] = ()


class OutcomeRulesError(ValueError):
    """Rules that cannot be used; the message names the rule and field."""


_UNION_TAGS = frozenset({"bool", "int", "float", "str", "none"})


def describe_validation_error(exc: ValidationError, root: str) -> str:
    """`outcomes[0].propertyFiles: Input should be a valid dictionary; ...` from a pydantic error.

    A union's members are pydantic's own location parts (`fail.bool`, `fail.int`): they are dropped
    and their messages joined with "or", so a person reads one line per field.
    """
    messages: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        where = root
        for part in error["loc"]:
            if isinstance(part, int):
                where += f"[{part}]"
            elif part not in _UNION_TAGS and "[" not in part:
                where += f".{part}"
        messages.setdefault(where.lstrip("."), []).append(error["msg"])
    return "; ".join(f"{where}: {' or '.join(dict.fromkeys(msgs))}" for where, msgs in messages.items())


def parse_rules(raw: object, root: str = "rules") -> tuple[OutcomeRule, ...]:
    """Rules from a list of rule objects (the admin API's body or the side file's `rules`)."""
    if not isinstance(raw, list):
        raise OutcomeRulesError(f"{root} must be a list of rules, got {type(raw).__name__}")
    try:
        return tuple(OutcomeRule.model_validate(item) for item in raw)
    except ValidationError as exc:
        index = next(i for i, item in enumerate(raw) if not _valid(item))
        raise OutcomeRulesError(describe_validation_error(exc, f"{root}[{index}]")) from None


def _valid(item: object) -> bool:
    try:
        OutcomeRule.model_validate(item)
    except ValidationError:
        return False
    return True


def load_rules_file(path: Path) -> tuple[OutcomeRule, ...]:
    """The rules of a YAML or JSON side file (a mapping with `rules`)."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise OutcomeRulesError(f"{path}: cannot read outcome rules: {exc}") from None
    if not isinstance(data, dict) or set(data) != {"rules"}:
        raise OutcomeRulesError(f"{path}: expected a mapping with one key, 'rules'")
    try:
        return parse_rules(data["rules"])
    except OutcomeRulesError as exc:
        raise OutcomeRulesError(f"{path}: {exc}") from None


def outcome_for(rules: Sequence[OutcomeRule], pipeline: str, step: str) -> StepOutcome | None:
    """The merged outcome of every rule matching the step (later rules win field by field)."""
    matching = [rule for rule in rules if rule.matches(pipeline, step)]
    if not matching:
        return None
    merged: dict[str, Any] = {}
    for rule in matching:
        for key in rule.model_fields_set - {"pipeline", "step"}:
            value = getattr(rule, key)
            merged[key] = merged.get(key, {}) | value if isinstance(value, dict) else value
    return StepOutcome.model_validate(merged)


def rules_json(rules: Sequence[OutcomeRule]) -> list[dict[str, Any]]:
    return [rule.model_dump(by_alias=True, exclude_defaults=True) | {"step": rule.step} for rule in rules]

"""The emulator's runtime settings, changed at start (`smpo emulator`) or live via the admin API;
pydantic checks every field, so a bad update names its field and changes nothing."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sagemaker_pipelines_emulator.outcome_rules import OutcomeRule, parse_rules, rules_json

FaultKind = Literal["http500", "http503", "drop", "throttle", "latency"]
_STRICT = ConfigDict(extra="forbid", strict=True)


class Fault(BaseModel):
    """Answer calls of `operation` ("*" = any) with `kind` for the next `count` calls (None = always),
    each with `probability` (1.0 = every matching call). `count` counts down as faults fire.
    `throttle` answers ThrottlingException; `latency` is a spike: the call waits `seconds`, then
    runs (spikes add up and do not stop a later error fault from firing)."""

    model_config = _STRICT

    operation: str = "*"
    kind: FaultKind = "http500"
    count: int | None = Field(default=1, ge=0)
    probability: float = Field(default=1.0, ge=0, le=1)
    seconds: float = Field(default=0.0, ge=0)


class Throttle(BaseModel):
    """A token bucket: `rate` calls per second refill, `burst` calls at most in one go."""

    model_config = _STRICT

    rate: float = Field(ge=0)
    burst: float = Field(ge=1)

    @model_validator(mode="before")
    @classmethod
    def _burst_defaults_to_rate(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "burst" not in raw and isinstance(raw.get("rate"), int | float):
            return {**raw, "burst": max(float(raw["rate"]), 1.0)}
        return raw


class EmulatorConfig(BaseModel):
    model_config = _STRICT

    step_seconds: float = Field(default=1.0, ge=0)
    step_seconds_by_type: dict[str, float] = Field(default_factory=dict)
    # Condition and Fail steps do no work; they take this fraction of step_seconds.
    quick_step_fraction: float = Field(default=0.1, ge=0)
    stop_seconds: float | None = Field(default=None, ge=0)
    latency_seconds: dict[str, float] = Field(default_factory=dict)
    throttle: dict[str, Throttle] = Field(default_factory=dict)
    faults: list[Fault] = Field(default_factory=list)
    # Seeds the dice of probabilistic faults when set, so a fault storm repeats call for call.
    fault_seed: int | None = None
    max_concurrent_executions: int | None = Field(default=None, ge=0)
    fail_step_pattern: str = r"(?i)always[-_]?fail"
    account_id: str = "123456789012"
    events_path: str | None = None
    # Status-change events also go to this SQS queue, as an EventBridge rule with an SQS target.
    events_queue_url: str | None = None
    validate_responses: bool = False
    call_log_size: int = Field(default=10_000, ge=0)
    # Step outcomes by pipeline and step name (outcome_rules.py), beside the definition's directives.
    # Parsed by parse_rules and kept as given: a rule's fields_set says which fields it overrides.
    outcomes: tuple[OutcomeRule, ...] = ()

    @field_validator("step_seconds_by_type", "latency_seconds")
    @classmethod
    def _non_negative_seconds(cls, seconds: dict[str, float]) -> dict[str, float]:
        negative = sorted(name for name, value in seconds.items() if value < 0)
        if negative:
            raise ValueError(f"seconds must be >= 0 ({', '.join(negative)})")
        return seconds

    @field_validator("fail_step_pattern")
    @classmethod
    def _a_regular_expression(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return pattern

    def stop_delay(self) -> float:
        return self.stop_seconds if self.stop_seconds is not None else self.step_seconds / 2

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"outcomes"}) | {"outcomes": rules_json(self.outcomes)}


def apply_update(config: EmulatorConfig, update: dict[str, Any]) -> EmulatorConfig:
    """A new config with `update` merged in; ValueError names the first bad field."""
    known = set(EmulatorConfig.model_fields)
    unknown = set(update) - known
    if unknown:
        raise ValueError(
            f"unknown config fields: {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})"
        )
    outcomes = parse_rules(update["outcomes"], "outcomes") if "outcomes" in update else config.outcomes
    rest = {key: value for key, value in update.items() if key != "outcomes"}
    try:
        changed = EmulatorConfig.model_validate({**config.model_dump(exclude={"outcomes"}), **rest})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from None
    return changed.model_copy(update={"outcomes": outcomes})

"""The emulator's runtime settings, changed at start (`smpo emulator`) or live via the admin API."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("http500", "http503", "drop")


@dataclass
class Fault:
    """Answer calls of `operation` ("*" = any) with `kind` for the next `count` calls (None = always),
    each with `probability` (1.0 = every matching call)."""

    operation: str = "*"
    kind: str = "http500"
    count: int | None = 1
    probability: float = 1.0


@dataclass
class Throttle:
    """A token bucket: `rate` calls per second refill, `burst` calls at most in one go."""

    rate: float
    burst: float


@dataclass
class EmulatorConfig:
    step_seconds: float = 1.0
    step_seconds_by_type: dict[str, float] = field(default_factory=dict)
    # Condition and Fail steps do no work; they take this fraction of step_seconds.
    quick_step_fraction: float = 0.1
    stop_seconds: float | None = None
    latency_seconds: dict[str, float] = field(default_factory=dict)
    throttle: dict[str, Throttle] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    max_concurrent_executions: int | None = None
    fail_step_pattern: str = r"(?i)always[-_]?fail"
    account_id: str = "123456789012"
    events_path: str | None = None
    validate_responses: bool = False
    call_log_size: int = 10_000

    def stop_delay(self) -> float:
        return self.stop_seconds if self.stop_seconds is not None else self.step_seconds / 2

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _number(value: object, key: str, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ValueError(f"{key} must be a number >= {minimum:g}, got {value!r}")
    return float(value)


def _fault(raw: object) -> Fault:
    if not isinstance(raw, dict):
        raise ValueError(f"a fault is an object {{operation, kind, count, probability}}, got {raw!r}")
    unknown = set(raw) - {f.name for f in dataclasses.fields(Fault)}
    if unknown:
        raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    fault = Fault(**raw)
    if fault.kind not in FAULT_KINDS:
        raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}, got {fault.kind!r}")
    if fault.count is not None and (not isinstance(fault.count, int) or fault.count < 0):
        raise ValueError(f"fault count must be a non-negative integer or null, got {fault.count!r}")
    _number(fault.probability, "fault probability")
    return fault


def _throttle(key: str, raw: object) -> Throttle:
    if not isinstance(raw, dict) or set(raw) - {"rate", "burst"}:
        raise ValueError(f"throttle.{key} must be an object {{rate, burst}}, got {raw!r}")
    rate = _number(raw.get("rate"), f"throttle.{key}.rate")
    return Throttle(
        rate=rate, burst=_number(raw.get("burst", max(rate, 1.0)), f"throttle.{key}.burst", minimum=1)
    )


def _seconds_map(raw: object, key: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ValueError(f"{key} must be an object of name -> seconds")
    return {str(name): _number(value, f"{key}.{name}") for name, value in raw.items()}


def apply_update(config: EmulatorConfig, update: dict[str, Any]) -> EmulatorConfig:
    """A new config with `update` merged in; ValueError names the first bad field."""
    known = {f.name for f in dataclasses.fields(EmulatorConfig)}
    unknown = set(update) - known
    if unknown:
        raise ValueError(
            f"unknown config fields: {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})"
        )
    changes: dict[str, Any] = {}
    for key, value in update.items():
        if key in ("step_seconds", "quick_step_fraction"):
            changes[key] = _number(value, key)
        elif key == "stop_seconds":
            changes[key] = None if value is None else _number(value, key)
        elif key in ("step_seconds_by_type", "latency_seconds"):
            changes[key] = _seconds_map(value, key)
        elif key == "throttle":
            if not isinstance(value, dict):
                raise ValueError("throttle must be an object of operation -> {rate, burst}")
            changes[key] = {name: _throttle(name, raw) for name, raw in value.items()}
        elif key == "faults":
            if not isinstance(value, list):
                raise ValueError("faults must be a list")
            changes[key] = [_fault(raw) for raw in value]
        elif key in ("max_concurrent_executions", "call_log_size"):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"{key} must be a non-negative integer or null")
            changes[key] = value
        elif key == "fail_step_pattern":
            try:
                re.compile(str(value))
            except re.error as exc:
                raise ValueError(f"fail_step_pattern is not a regular expression: {exc}") from None
            changes[key] = str(value)
        elif key == "validate_responses":
            changes[key] = bool(value)
        else:
            changes[key] = None if value is None else str(value)
    return dataclasses.replace(config, **changes)

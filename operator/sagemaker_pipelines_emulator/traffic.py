"""What happens to a call before and after its operation runs: throttling (token buckets per
operation), injected faults, latency and its spikes, per-operation counters and the call log
(which records each caller's access key id, so tests can tell whose credentials made a call)."""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sagemaker_pipelines_emulator.config import EmulatorConfig, Fault

_LONG_STRING = 256


def _summary(value: Any) -> Any:
    """The request as logged: long strings (definitions) are replaced by their length."""
    if isinstance(value, str) and len(value) > _LONG_STRING:
        return f"<{len(value)} characters>"
    if isinstance(value, dict):
        return {key: _summary(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_summary(item) for item in value]
    return value


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class OperationCounter:
    calls: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class Traffic:
    def __init__(self, log_size: int) -> None:
        self.counters: dict[str, OperationCounter] = {}
        self.calls: deque[dict[str, Any]] = deque(maxlen=log_size)
        self._buckets: dict[str, _Bucket] = {}
        self._random = random.Random()

    def reset(self, log_size: int) -> None:
        self.counters.clear()
        self.calls = deque(maxlen=log_size)
        self._buckets.clear()

    def seed(self, seed: int | None) -> None:
        """Restart the fault dice from `seed` (None: from the system's entropy)."""
        self._random.seed(seed)

    def _fires(self, fault: Fault, operation: str) -> bool:
        if fault.operation not in ("*", operation) or fault.count == 0:
            return False
        if fault.probability < 1 and self._random.random() >= fault.probability:
            return False
        if fault.count is not None:
            fault.count -= 1
        return True

    def resize(self, log_size: int) -> None:
        if self.calls.maxlen != log_size:
            self.calls = deque(self.calls, maxlen=log_size)

    def throttled(self, operation: str, config: EmulatorConfig) -> bool:
        """Take a token from the operation's bucket; True when it is empty."""
        rule = config.throttle.get(operation) or config.throttle.get("*")
        if rule is None:
            return False
        now = time.monotonic()
        bucket = self._buckets.setdefault(operation, _Bucket(rule.burst, now))
        bucket.tokens = min(rule.burst, bucket.tokens + (now - bucket.stamp) * rule.rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            return True
        bucket.tokens -= 1
        return False

    def fault(self, operation: str, config: EmulatorConfig) -> Fault | None:
        """The injected error this call gets, if any (a counted fault is used up by it)."""
        for fault in config.faults:
            if fault.kind != "latency" and self._fires(fault, operation):
                return fault
        return None

    def latency(self, operation: str, config: EmulatorConfig) -> float:
        """The configured delay of the operation plus every latency spike that fires on this call."""
        steady = config.latency_seconds.get(operation, config.latency_seconds.get("*", 0.0))
        spikes = (f.seconds for f in config.faults if f.kind == "latency" and self._fires(f, operation))
        return steady + sum(spikes)

    def record(
        self,
        operation: str,
        region: str,
        *,
        access_key_id: str | None,
        status: int,
        code: str | None,
        started: float,
        finished: float,
        request: Any,
    ) -> None:
        counter = self.counters.setdefault(operation, OperationCounter())
        counter.calls += 1
        if code is not None:
            counter.errors[code] = counter.errors.get(code, 0) + 1
        self.calls.append(
            {
                "time": started,
                "operation": operation,
                "region": region,
                "access_key_id": access_key_id,
                "status": status,
                "error": code,
                "duration_ms": round((finished - started) * 1000, 3),
                "request": _summary(request),
            }
        )

    def counters_json(self) -> dict[str, Any]:
        return {
            name: {"calls": c.calls, "errors": dict(c.errors)} for name, c in sorted(self.counters.items())
        }

"""Liveness and readiness state: the watch clock handlers touch on every event, the readiness
flag set after the initial listing, and the operator task whose death fails liveness."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sagemaker_pipelines_operator.metrics import WATCH_LAST_EVENT


@dataclass(frozen=True)
class Verdict:
    """One probe answer: `ok` maps to HTTP 200/503, the rest is the JSON body."""

    ok: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "failing", "reason": self.reason, **self.details}


class WatchClock:
    """When the operator last heard from its watch streams, and whether it is ready.

    kopf's known failure mode is a watch that stalls silently: the process lives but no event ever
    arrives again. Every event handler calls `touch()`; liveness fails when the silence exceeds
    `stall_seconds`. Silence is a stall only when events are due: after the first event (an empty
    scope has nothing to send) and while `expect_events_while`'s predicate holds, which the
    operator sets to "a Ready Pipeline is in scope": its drift resync writes status every resync
    interval, and those writes come back through a healthy watch. A scope of finished runs only
    is legitimately silent and must not restart the pod.

    Thread-safe: handlers may run in kopf's executor threads.
    """

    def __init__(self, stall_seconds: float, now: Callable[[], float] = time.time) -> None:
        if stall_seconds <= 0:
            raise ValueError("stall_seconds must be positive")
        self.stall_seconds = stall_seconds
        self._now = now
        self._lock = threading.Lock()
        self._last_event: float | None = None
        self._ready = False
        self._task: asyncio.Task[Any] | None = None
        self._events_due: Callable[[], bool] = lambda: True

    def expect_events_while(self, predicate: Callable[[], bool]) -> None:
        """Count silence as a stall only while `predicate()` is true."""
        with self._lock:
            self._events_due = predicate

    def touch(self) -> None:
        """Record a watch event now (also exported as smpo_watch_last_event_timestamp_seconds)."""
        stamp = self._now()
        with self._lock:
            self._last_event = stamp
        WATCH_LAST_EVENT.set(stamp)

    def mark_ready(self) -> None:
        """The initial listing is done: /readyz answers 200 from now on."""
        with self._lock:
            self._ready = True

    def watch_task(self, task: asyncio.Task[Any]) -> None:
        """Fail liveness once `task` (the kopf operator task) has finished, whatever the cause."""
        with self._lock:
            self._task = task

    @property
    def last_event(self) -> float | None:
        with self._lock:
            return self._last_event

    def liveness(self) -> Verdict:
        with self._lock:
            task, last, events_due = self._task, self._last_event, self._events_due
        if task is not None and task.done():
            return Verdict(False, "operator task ended", {"error": _task_error(task)})
        if last is None:
            return Verdict(True, "no watch event yet", {"stallSeconds": self.stall_seconds})
        silent = max(0.0, self._now() - last)
        details = {"secondsSinceLastEvent": round(silent, 3), "stallSeconds": self.stall_seconds}
        if not events_due():
            return Verdict(True, "quiet: nothing in scope is written periodically", details)
        if silent > self.stall_seconds:
            return Verdict(False, "watch stalled: no event received", details)
        return Verdict(True, "watching", details)

    def readiness(self) -> Verdict:
        with self._lock:
            ready = self._ready
        if not ready:
            return Verdict(False, "initial listing not done")
        return Verdict(True, "ready")


def _task_error(task: asyncio.Task[Any]) -> str | None:
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    # Only the exception's type: its message may quote request data.
    return type(exc).__name__ if exc is not None else None

"""One scheduler for every step transition: a heap of due times behind a single loop timer.

No task or thread per execution: thousands of executions cost one heap entry per pending
transition and one TimerHandle, which is what lets the emulator run 2,000+ executions at once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Transitions due within this many seconds of each other fire in the same wake-up.
_SLACK = 0.001


class Scheduler:
    """Calls `fn(*args)` after a delay, on the event loop that owns it (one thread, no locks)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._counter = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due = float("inf")

    def __len__(self) -> int:
        return len(self._heap)

    def call_later(self, delay: float, fn: Callable[..., None], *args: Any) -> None:
        due = self._loop.time() + max(delay, 0.0)
        heapq.heappush(self._heap, (due, next(self._counter), fn, args))
        if due < self._timer_due:
            self._arm(due)

    def clear(self) -> None:
        self._heap.clear()
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_due = None, float("inf")

    def _arm(self, due: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_due = due
        self._timer = self._loop.call_at(due, self._fire)

    def _fire(self) -> None:
        self._timer, self._timer_due = None, float("inf")
        horizon = self._loop.time() + _SLACK
        while self._heap and self._heap[0][0] <= horizon:
            _, _, fn, args = heapq.heappop(self._heap)
            try:
                fn(*args)
            except Exception:  # one broken transition must not stop every other execution
                log.exception("emulator transition %s failed", getattr(fn, "__name__", fn))
        if self._heap:
            self._arm(self._heap[0][0])

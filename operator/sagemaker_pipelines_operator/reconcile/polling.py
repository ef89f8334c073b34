"""How often to ask SageMaker about active runs: listings fast right after a start or a status
change, slower the longer nothing happens, within the operator's bounds; and how many step
listings may be spent, so that one ListPipelineExecutions per pipeline always fits the budget."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

QUIET_DIVISOR = 10.0
"""A run quiet for 10 minutes is polled every minute: the interval is a tenth of the quiet time."""
STEPS_SHARE = 0.25
"""Share of the per-region call budget that step listings of unchanged executing runs may use;
the rest stays free for listings, starts and everything else."""
LISTING_MARGIN = timedelta(minutes=10)
"""ListPipelineExecutions' CreatedAfter is this much before the oldest active run: clocks differ."""


def poll_interval(quiet_seconds: float, minimum: float, maximum: float) -> float:
    """Seconds until the next poll of something quiet for `quiet_seconds`."""
    return min(maximum, max(minimum, quiet_seconds / QUIET_DIVISOR))


def steps_budget(tps: float, tick_seconds: float) -> int:
    """Step listings allowed per tick for runs whose status did not change (changed runs always
    get theirs: their failure reason and final step list depend on it)."""
    return max(1, int(tps * tick_seconds * STEPS_SHARE))


def listing_window(start_times: Iterable[datetime | None]) -> datetime | None:
    """CreatedAfter for one pipeline's listing: executions older than every active run are history
    and cost nothing. None (list everything) while some run's start time is unknown."""
    known: list[datetime] = []
    for moment in start_times:
        if moment is None:
            return None
        known.append(moment)
    return min(known) - LISTING_MARGIN if known else None

"""How often to ask SageMaker about active runs: listings fast right after a start or a status
change, slower the longer nothing happens, within the operator's bounds; and how many step
listings may be spent, so that one ListPipelineExecutions per pipeline always fits the budget;
and when a run pass looks again (`next_look`, the one requeue decision of the run path)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sagemaker_pipelines_operator.reconcile.verdict import DEFAULT_RETRY_SECONDS, Verdict

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


def next_look(
    plan_after: float | None, verdict: Verdict, *, finished: bool, poll_min: float, poll_max: float
) -> float | None:
    """The one requeue decision of a run pass: seconds until it is looked at again, or None.

    A transient failure retries after its own delay (kopf counts the backoff); a finished run is
    not looked at (its TTL is an expiry of the tracker); otherwise the plan's deadline (retry
    backoff, timeout, first poll) or the verdict's wait, within the poll bounds: no sooner than
    half the fastest poll, and never later than the slowest one would look anyway."""
    if verdict.retry:
        return verdict.requeue_after or DEFAULT_RETRY_SECONDS
    if finished:
        return None
    after = plan_after if plan_after is not None else verdict.requeue_after
    if after is None:
        return None
    return max(poll_min / 2, min(after, poll_max))

"""kopf peering priorities of `smpo run` replicas: the oldest live replica leads, so a restarted
replica never outranks the standby that took over from it."""

from __future__ import annotations

import pytest

from sagemaker_pipelines_operator.handlers.operator import PRIORITY_TIEBREAK_BITS, replica_priority

NOW_MS = 1_796_000_000_000  # December 2026


@pytest.mark.parametrize(
    ("older", "younger"),
    [
        ((NOW_MS, 0), (NOW_MS + 1, 0)),
        ((NOW_MS, 0), (NOW_MS + 1, 2**PRIORITY_TIEBREAK_BITS - 1)),
        ((NOW_MS - 86_400_000, 5), (NOW_MS, 5)),
        ((NOW_MS, 1), (NOW_MS, 0)),
    ],
    ids=["a-millisecond-apart", "tiebreak-never-beats-age", "a-day-apart", "same-millisecond-tiebreak"],
)
def test_the_older_replica_outranks_the_younger(older: tuple[int, int], younger: tuple[int, int]) -> None:
    assert replica_priority(*older) > replica_priority(*younger)


@pytest.mark.parametrize("started_ms", [0, NOW_MS, 2**42 - 1], ids=["epoch", "now", "horizon"])
def test_priorities_are_positive_and_exact_as_json_numbers(started_ms: int) -> None:
    for tiebreak in (0, 2**PRIORITY_TIEBREAK_BITS - 1):
        priority = replica_priority(started_ms, tiebreak)
        assert 0 < priority < 2**53
        assert int(float(priority)) == priority

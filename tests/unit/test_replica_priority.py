"""kopf peering priorities of `smpo run` replicas: the oldest live replica leads, so a restarted
replica never outranks the standby that took over from it."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import kopf
import pytest

from sagemaker_pipelines_operator.runtime.executor import HandlerExecutor
from sagemaker_pipelines_operator.runtime.operator import PRIORITY_TIEBREAK_BITS, configure, replica_priority
from sagemaker_pipelines_operator.settings import OperatorSettings

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


def test_the_priority_is_drawn_when_kopf_is_configured_not_when_the_process_started() -> None:
    """kopf heartbeats right after its startup handlers; a priority drawn earlier (at process
    start) let a replica that appeared in the peering object second outrank the first."""
    executor = HandlerExecutor(1)
    try:
        ctx: Any = SimpleNamespace(settings=OperatorSettings(peering="p"))
        before = time.time_ns() // 1_000_000
        first = kopf.OperatorSettings()
        configure(first, ctx, executor)
        time.sleep(0.005)
        second = kopf.OperatorSettings()
        configure(second, ctx, executor)
        after = time.time_ns() // 1_000_000
    finally:
        executor.shutdown(wait=False)
    latest, earliest = replica_priority(after, 0), replica_priority(before, 2**PRIORITY_TIEBREAK_BITS - 1)
    assert latest <= first.peering.priority <= earliest
    assert first.peering.priority > second.peering.priority

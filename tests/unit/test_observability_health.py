"""WatchClock: liveness after watch silence or a dead operator task, readiness after listing."""

from __future__ import annotations

import asyncio

import pytest

from sagemaker_pipelines_operator.metrics import REGISTRY
from sagemaker_pipelines_operator.observability.health import WatchClock


class FakeTime:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_silence_before_the_first_event_is_not_a_stall() -> None:
    clock = FakeTime()
    watch = WatchClock(60, now=clock)
    clock.now += 3600
    verdict = watch.liveness()
    assert (verdict.ok, verdict.reason) == (True, "no watch event yet")


@pytest.mark.parametrize(
    ("silence", "ok"),
    [(0.0, True), (59.9, True), (60.0, True), (60.1, False), (3600.0, False)],
    ids=["just-touched", "under", "at-threshold", "over", "an-hour"],
)
def test_liveness_fails_once_silence_exceeds_the_stall_threshold(silence: float, ok: bool) -> None:
    clock = FakeTime()
    watch = WatchClock(60, now=clock)
    watch.touch()
    clock.now += silence
    verdict = watch.liveness()
    assert verdict.ok is ok
    assert verdict.details["secondsSinceLastEvent"] == pytest.approx(silence)
    assert verdict.body()["status"] == ("ok" if ok else "failing")


def test_touch_exports_the_last_event_time() -> None:
    clock = FakeTime(1_234_567.0)
    WatchClock(60, now=clock).touch()
    assert REGISTRY.get_sample_value("smpo_watch_last_event_timestamp_seconds") == 1_234_567.0


def test_readiness_waits_for_mark_ready() -> None:
    watch = WatchClock(60)
    assert watch.readiness().ok is False
    watch.mark_ready()
    assert watch.readiness().ok is True


async def test_liveness_fails_when_the_operator_task_ends() -> None:
    watch = WatchClock(60)
    watch.touch()
    stop = asyncio.Event()

    async def operator() -> None:
        await stop.wait()
        raise RuntimeError("secret=abc")

    task = asyncio.create_task(operator())
    watch.watch_task(task)
    assert watch.liveness().ok is True
    stop.set()
    with pytest.raises(RuntimeError):
        await task
    verdict = watch.liveness()
    assert (verdict.ok, verdict.reason, verdict.details) == (
        False,
        "operator task ended",
        {"error": "RuntimeError"},
    )


async def test_a_cancelled_operator_task_also_fails_liveness() -> None:
    watch = WatchClock(60)
    task = asyncio.create_task(asyncio.sleep(10))
    watch.watch_task(task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert watch.liveness().details == {"error": "cancelled"}


def test_stall_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        WatchClock(0)


@pytest.mark.parametrize(("events_due", "ok"), [(True, False), (False, True)])
def test_silence_counts_only_while_events_are_due(events_due: bool, ok: bool) -> None:
    clock = FakeTime()
    watch = WatchClock(60, now=clock)
    watch.expect_events_while(lambda: events_due)
    watch.touch()
    clock.now += 3600
    verdict = watch.liveness()
    assert verdict.ok is ok
    if ok:
        assert verdict.reason == "quiet: nothing in scope is written periodically"

"""The emulator's one scheduler: transitions fire in due order, from one timer, and can be cleared."""

from __future__ import annotations

import asyncio

from sagemaker_pipelines_emulator.scheduler import Scheduler


async def test_calls_fire_in_due_order_not_insertion_order() -> None:
    scheduler = Scheduler(asyncio.get_running_loop())
    fired: list[str] = []
    done = asyncio.Event()
    scheduler.call_later(0.06, fired.append, "late")
    scheduler.call_later(0.02, fired.append, "early")
    scheduler.call_later(0.04, fired.append, "middle")
    scheduler.call_later(0.08, done.set)
    await asyncio.wait_for(done.wait(), 5)
    assert fired == ["early", "middle", "late"]
    assert len(scheduler) == 0


async def test_a_call_can_schedule_more_calls() -> None:
    scheduler = Scheduler(asyncio.get_running_loop())
    counted: list[int] = []
    done = asyncio.Event()

    def tick(n: int) -> None:
        counted.append(n)
        if n < 5:
            scheduler.call_later(0.0, tick, n + 1)
        else:
            done.set()

    scheduler.call_later(0.0, tick, 1)
    await asyncio.wait_for(done.wait(), 5)
    assert counted == [1, 2, 3, 4, 5]


async def test_a_failing_call_does_not_stop_the_others() -> None:
    scheduler = Scheduler(asyncio.get_running_loop())
    fired: list[str] = []
    done = asyncio.Event()

    def broken() -> None:
        raise RuntimeError("boom")

    scheduler.call_later(0.01, broken)
    scheduler.call_later(0.02, fired.append, "after")
    scheduler.call_later(0.03, done.set)
    await asyncio.wait_for(done.wait(), 5)
    assert fired == ["after"]


async def test_clear_drops_everything_pending() -> None:
    scheduler = Scheduler(asyncio.get_running_loop())
    fired: list[str] = []
    scheduler.call_later(0.01, fired.append, "never")
    scheduler.clear()
    await asyncio.sleep(0.05)
    assert fired == []
    assert len(scheduler) == 0


async def test_thousands_of_transitions_share_one_timer() -> None:
    scheduler = Scheduler(asyncio.get_running_loop())
    fired: list[int] = []
    for index in range(5000):
        scheduler.call_later(0.001 * (index % 50), fired.append, index)
    await asyncio.sleep(0.2)
    assert sorted(fired) == list(range(5000))

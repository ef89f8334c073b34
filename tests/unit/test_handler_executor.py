"""HandlerExecutor: a quiesce waits for running handlers and refuses new ones for good."""

from __future__ import annotations

import threading

import pytest

from sagemaker_pipelines_operator.runtime.executor import HandlerExecutor


def test_quiesce_waits_for_a_running_handler() -> None:
    executor = HandlerExecutor(max_workers=2)
    release = threading.Event()
    running = executor.submit(release.wait, 5.0)
    threading.Timer(0.2, release.set).start()
    assert executor.quiesce(timeout_seconds=5.0) == 0
    assert running.done() and running.result() is True
    executor.shutdown()


def test_quiesce_gives_up_after_its_timeout_and_says_how_many_still_run() -> None:
    executor = HandlerExecutor(max_workers=2)
    release = threading.Event()
    executor.submit(release.wait, 5.0)
    executor.submit(release.wait, 5.0)
    assert executor.quiesce(timeout_seconds=0.1) == 2
    release.set()
    executor.shutdown()


@pytest.mark.parametrize("quiesced", [False, True], ids=["open", "quiesced"])
def test_work_is_taken_until_a_quiesce_and_refused_after(quiesced: bool) -> None:
    executor = HandlerExecutor(max_workers=1)
    if quiesced:
        executor.quiesce(timeout_seconds=0.0)
    calls: list[int] = []
    future = executor.submit(calls.append, 1)
    if quiesced:
        assert future.cancelled()
        assert calls == []
    else:
        future.result(timeout=5)
        assert calls == [1]
    executor.shutdown()


def test_a_finished_handler_is_not_waited_for() -> None:
    executor = HandlerExecutor(max_workers=1)
    executor.submit(int).result(timeout=5)
    assert executor.quiesce(timeout_seconds=0.0) == 0
    executor.shutdown()

"""The operator fixture turns a dead operator thread into a test failure: at once in the wait
helpers, and at teardown; an operator stopped on purpose is not a crash."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fixtures import operator as fixture
from tests.fixtures.operator import OperatorCrashed, RunningOperator
from tests.fixtures.runs import wait_for


def finished_operator(body: Callable[[], None], *, stopped: bool = False) -> RunningOperator:
    errors: list[BaseException] = []

    def main() -> None:
        try:
            body()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    thread.join()
    flag = threading.Event()
    if stopped:
        flag.set()
    op = RunningOperator(ctx=Any, thread=thread, stop_flag=flag, error=errors)  # type: ignore[arg-type]
    fixture._STARTED.append(op)
    return op


@pytest.fixture(autouse=True)
def _no_leftover_operators() -> Iterator[None]:
    fixture._STARTED.clear()
    yield
    fixture._STARTED.clear()


def boom() -> None:
    raise RuntimeError("kopf blew up")


CASES = [
    ("raised", boom, "the operator thread crashed: RuntimeError('kopf blew up')"),
    ("returned-unasked", lambda: None, "the operator thread ended without being stopped"),
]


@pytest.mark.parametrize(("body", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_dead_operator_fails_the_wait_at_once(body: Callable[[], None], message: str) -> None:
    finished_operator(body)
    with pytest.raises(OperatorCrashed, match=message.replace("(", r"\(").replace(")", r"\)")):
        wait_for(lambda: False, timeout=60, what="something that never comes")


def test_teardown_reports_each_crash_and_ignores_an_operator_stopped_on_purpose() -> None:
    crashed = finished_operator(boom)
    stopped = finished_operator(lambda: None, stopped=True)
    assert fixture._stop_all([crashed, stopped]) == [
        "the operator thread crashed: RuntimeError('kopf blew up')"
    ]

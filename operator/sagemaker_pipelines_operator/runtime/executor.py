"""The thread pool kopf runs our sync handlers in, owned by us so that shutdown can drain it."""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class HandlerExecutor(concurrent.futures.ThreadPoolExecutor):
    """A ThreadPoolExecutor that can be quiesced: it stops taking work and waits for what runs.

    kopf never cancels a timer whose sync handler is still in its thread when the operator stops:
    the handler's status patch would land after kopf closed its API sessions and open a new one.
    Quiescing before kopf is told to stop lets every running handler finish while kopf's sessions
    are open. From then on work is refused with an already-cancelled future, which kopf treats as
    the handler's cancellation (it is about to stop anyway): an overdue timer firing between the
    quiesce and kopf's stop would otherwise be orphaned again. For this reason the operator's
    cleanup activities are async: they must not need this pool.
    """

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="smpo-handler")
        self._gate = threading.Lock()
        self._refusing = False
        self._running: set[concurrent.futures.Future[Any]] = set()

    def submit(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        with self._gate:
            if self._refusing:
                refused: concurrent.futures.Future[T] = concurrent.futures.Future()
                refused.cancel()
                return refused
            future = super().submit(fn, *args, **kwargs)
            self._running.add(future)
        future.add_done_callback(self._forget)
        return future

    def quiesce(self, timeout_seconds: float) -> int:
        """Refuse new work from now on and wait up to `timeout_seconds` for the running handlers;
        returns how many are still running when it gives up (0 when all finished)."""
        with self._gate:
            self._refusing = True
            running = set(self._running)
        _, still_running = concurrent.futures.wait(running, timeout=timeout_seconds)
        return len(still_running)

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._gate:
            self._running.discard(future)

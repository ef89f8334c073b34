"""One ListPipelines listing per (region, role) per resync interval, shared by every Pipeline's
drift check: the cost of drift detection grows with listing pages, not with Pipelines."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.aws.pipelines import list_pipelines
from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi


@dataclass
class _Listing:
    taken: float
    by_name: dict[str, dict[str, Any]]


class PipelineListing:
    """ListPipelines summaries by lower-cased name (SageMaker names are case-insensitive)."""

    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self._listings: dict[tuple[str, str | None], _Listing] = {}
        self._locks: dict[tuple[str, str | None], threading.Lock] = {}
        self._guard = threading.Lock()

    def summary(self, api: SageMakerApi, name: str) -> dict[str, Any] | None:
        """The summary of pipeline `name`, from a listing at most `max_age` seconds old."""
        return self._listing(api).by_name.get(name.lower())

    def _listing(self, api: SageMakerApi) -> _Listing:
        key = (api.region, api.role_arn)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        # One thread lists while the others wait for its result instead of listing too.
        with lock:
            current = self._listings.get(key)
            if current is None or self._clock() - current.taken >= self.max_age:
                taken = self._clock()
                summaries = list_pipelines(api)
                current = _Listing(taken, {str(s["PipelineName"]).lower(): s for s in summaries})
                self._listings[key] = current
            return current

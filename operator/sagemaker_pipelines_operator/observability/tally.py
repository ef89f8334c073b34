"""smpo_resources{kind,condition}: how many of our resources are Ready, Stalled, Reconciling or
Unknown, kept from the watch (one entry per object, moved as its conditions change)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.metrics import RESOURCE_CONDITIONS, RESOURCES


def condition_of(status: Mapping[str, Any] | None) -> str:
    """The one condition a resource is counted under. kstatus keeps Ready exclusive of the other
    two; should a writer ever set several, Ready wins, then Stalled, then Reconciling."""
    true = {
        c.get("type")
        for c in (status or {}).get("conditions") or []
        if isinstance(c, Mapping) and c.get("status") == "True"
    }
    return next((name for name in RESOURCE_CONDITIONS if name in true), "Unknown")


class ResourceTally:
    """Counts per (kind, condition); `observe` on every watch event, `forget` on deletion."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[str, str]] = {}
        self._counts: Counter[tuple[str, str]] = Counter()

    def observe(self, kind: str, uid: str, status: Mapping[str, Any] | None) -> None:
        labels = (kind, condition_of(status))
        with self._lock:
            previous = self._seen.get(uid)
            if previous == labels:
                return
            if previous is not None:
                self._move(previous, -1)
            self._seen[uid] = labels
            self._move(labels, +1)

    def forget(self, uid: str) -> None:
        with self._lock:
            previous = self._seen.pop(uid, None)
            if previous is not None:
                self._move(previous, -1)

    def forget_all(self) -> None:
        """The operator is stopping: its view of the cluster ends with it."""
        with self._lock:
            for labels in list(self._seen.values()):
                self._move(labels, -1)
            self._seen.clear()

    def count(self, kind: str, condition: str) -> int:
        with self._lock:
            return self._counts[(kind, condition)]

    def counts(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return {labels: n for labels, n in self._counts.items() if n}

    def _move(self, labels: tuple[str, str], delta: int) -> None:
        self._counts[labels] += delta
        kind, condition = labels
        RESOURCES.labels(kind=kind, condition=condition).set(self._counts[labels])

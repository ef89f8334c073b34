"""Gauges that count objects by labels, kept from what the operator sees: each object is counted
once, under its latest labels, and moved when they change. smpo_resources{kind,condition} (our
resources by their kstatus condition) is one; runs by phase (runs/metrics.py) another."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from prometheus_client import Gauge

from sagemaker_pipelines_operator.metrics import RESOURCE_CONDITIONS, RESOURCES

Labels = tuple[str, ...]


class GaugeTally:
    """Objects (by uid) counted under their latest label values on `gauge`. Thread-safe."""

    def __init__(self, gauge: Gauge) -> None:
        self._gauge = gauge
        self._lock = threading.Lock()
        self._seen: dict[str, Labels] = {}
        self._counts: Counter[Labels] = Counter()

    def observe(self, uid: str, labels: Labels) -> bool:
        """Count `uid` under `labels`; False when it already was (nothing moved)."""
        with self._lock:
            previous = self._seen.get(uid)
            if previous == labels:
                return False
            if previous is not None:
                self._move(previous, -1)
            self._seen[uid] = labels
            self._move(labels, +1)
            return True

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

    def count(self, labels: Labels) -> int:
        with self._lock:
            return self._counts[labels]

    def counts(self) -> dict[Labels, int]:
        with self._lock:
            return {labels: n for labels, n in self._counts.items() if n}

    def _move(self, labels: Labels, delta: int) -> None:
        self._counts[labels] += delta
        self._gauge.labels(*labels).set(self._counts[labels])


def condition_of(status: Mapping[str, Any] | None) -> str:
    """The one condition a resource is counted under. kstatus keeps Ready exclusive of the other
    two; should a writer ever set several, Ready wins, then Stalled, then Reconciling."""
    true = {
        c.get("type")
        for c in (status or {}).get("conditions") or []
        if isinstance(c, Mapping) and c.get("status") == "True"
    }
    return next((name for name in RESOURCE_CONDITIONS if name in true), "Unknown")


class ResourceTally(GaugeTally):
    """smpo_resources: `observe` on every watch event, `forget` on deletion."""

    def __init__(self) -> None:
        super().__init__(RESOURCES)

    def observe_status(self, kind: str, uid: str, status: Mapping[str, Any] | None) -> None:
        self.observe(uid, (kind, condition_of(status)))

"""kopf's per-object workers under `--max-concurrent-objects`: the limit is kopf's worker_limit,
and an idle worker gives its slot back within BOUNDED_IDLE_SECONDS instead of kopf's 5 s (which
made a bounded burst of 1,000 objects take 128 s at 40 slots)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import kopf
import pytest

from sagemaker_pipelines_operator.runtime.executor import HandlerExecutor
from sagemaker_pipelines_operator.runtime.operator import BOUNDED_IDLE_SECONDS, configure
from sagemaker_pipelines_operator.settings import OperatorSettings

KOPF_IDLE_SECONDS = kopf.OperatorSettings().queueing.idle_timeout


@pytest.mark.parametrize(
    ("limit", "worker_limit", "idle_timeout"),
    [(0, None, KOPF_IDLE_SECONDS), (40, 40, BOUNDED_IDLE_SECONDS)],
    ids=["unlimited-keeps-kopfs-idle", "bounded-frees-slots-soon"],
)
def test_queueing_under_an_object_limit(limit: int, worker_limit: int | None, idle_timeout: float) -> None:
    executor = HandlerExecutor(1)
    try:
        ctx: Any = SimpleNamespace(settings=OperatorSettings(peering=None, max_concurrent_objects=limit))
        settings = kopf.OperatorSettings()
        configure(settings, ctx, executor)
    finally:
        executor.shutdown(wait=False)
    assert (settings.queueing.worker_limit, settings.queueing.idle_timeout) == (worker_limit, idle_timeout)
    assert BOUNDED_IDLE_SECONDS < KOPF_IDLE_SECONDS

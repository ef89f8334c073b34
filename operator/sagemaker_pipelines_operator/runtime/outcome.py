"""Finishing a kopf pass: time and count it (`reconcile_pass`), and for a PipelineRun whose spec
the models cannot read, write why through kopf's patch (`write_verdict`). The reconcilers write
every other status through the Kubernetes seam."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, dump
from sagemaker_pipelines_operator.errors import Stalled
from sagemaker_pipelines_operator.metrics import RECONCILE_DURATION, RECONCILE_TOTAL
from sagemaker_pipelines_operator.reconcile.verdict import (
    Verdict,
    apply_verdict,
)
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import post_events


def now() -> datetime:
    return datetime.now(UTC)


def current_conditions(body: Any) -> list[Condition]:
    raw = (body.get("status") or {}).get("conditions") or []
    return [Condition.model_validate(x) for x in raw]


def write_verdict(
    ctx: OperatorContext,
    kind: str,
    body: Any,
    patch: Any,
    verdict: Verdict,
    *,
    status_fields: dict[str, Any] | None = None,
) -> None:
    """Patch status (conditions, observedGeneration, extra fields) and post an Event on transition."""
    generation = body.get("metadata", {}).get("generation")
    conditions, event = apply_verdict(current_conditions(body), verdict, generation=generation, now=now())
    patch.status.update(status_fields or {})
    patch.status["conditions"] = [dump(x) for x in conditions]
    patch.status["observedGeneration"] = generation
    if event is not None:
        post_events(ctx, kind, body["metadata"], [event])


@contextmanager
def reconcile_pass(kind: str) -> Iterator[Callable[[str], None]]:
    """Times a pass and counts its result; the body calls `record(result)` before leaving."""
    started = time.monotonic()
    outcome = {"result": "error"}

    def record(result: str) -> None:
        outcome["result"] = result

    try:
        yield record
    finally:
        RECONCILE_TOTAL.labels(kind=kind, result=outcome["result"]).inc()
        RECONCILE_DURATION.labels(kind=kind).observe(time.monotonic() - started)


def parse_error(error: ValidationError) -> Stalled:
    """A spec the API server accepted but the models reject (e.g. an older CRD installed)."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
    )
    return Stalled(c.INVALID_SPEC, f"invalid spec: {problems}")

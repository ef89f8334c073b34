"""Finishing a reconcile pass: write conditions and observedGeneration, post the Event, count it,
and tell kopf whether and when to come back. Every handler ends here."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import kopf
from pydantic import ValidationError

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, dump
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.events import post_events
from sagemaker_pipelines_operator.metrics import RECONCILE_DURATION, RECONCILE_TOTAL
from sagemaker_pipelines_operator.reconcile.verdict import (
    Verdict,
    apply_verdict,
    requeue_of,
    verdict_for_error,
)


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


def raise_for_kopf(verdict: Verdict) -> None:
    """Turn a verdict's requeue (verdict.requeue_of) into kopf's control flow: come back, or done."""
    requeue = requeue_of(verdict)
    if requeue is not None:
        raise kopf.TemporaryError(verdict.message, delay=requeue.after)


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


def run_pass(
    ctx: OperatorContext,
    kind: str,
    body: Any,
    patch: Any,
    work: Callable[[], tuple[Verdict, dict[str, Any]]],
) -> None:
    """Run `work` (which returns a verdict and status fields), map errors, write, and signal kopf."""
    with reconcile_pass(kind) as record:
        try:
            verdict, fields = work()
        except ValidationError as exc:
            verdict, fields = verdict_for_error(parse_error(exc)), {}
        except ReconcileError as exc:
            verdict, fields = verdict_for_error(exc), {}
        write_verdict(ctx, kind, body, patch, verdict, status_fields=fields)
        record(verdict.result)
    raise_for_kopf(verdict)

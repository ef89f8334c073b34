"""The one place that turns a reconcile outcome into conditions, an Event and a requeue (Flux's
ComputeReconcileResult): success, or any error of the taxonomy in errors.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, ConditionStatus, find_condition
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled, Transient, Waiting
from sagemaker_pipelines_operator.reconcile.conditions import kstatus, set_condition


@dataclass(frozen=True)
class ConditionUpdate:
    """A kind-specific condition (Drifted, Succeeded) set together with a verdict."""

    type: str
    status: ConditionStatus
    reason: str
    message: str = ""


@dataclass(frozen=True)
class Verdict:
    """What a pass concluded, before it is written to conditions."""

    ready: ConditionStatus
    reason: str
    message: str
    reconciling: bool = False
    stalled: bool = False
    requeue_after: float | None = None
    """Look again after this many seconds (None: only on the next change or timer)."""
    retry: bool = False
    """Transient failure: retry with the handler's backoff."""
    result: str = "success"
    """`result` label of smpo_reconcile_total: success, stalled, waiting, transient."""
    also: tuple[ConditionUpdate, ...] = ()
    """Other conditions to set in the same write (lastTransitionTime handled the same way)."""


@dataclass(frozen=True)
class Event:
    type: str  # "Normal" or "Warning"
    reason: str
    message: str


def ready(reason: str, message: str, requeue_after: float | None = None) -> Verdict:
    return Verdict("True", reason, message, requeue_after=requeue_after)


def progressing(reason: str, message: str, requeue_after: float | None = None) -> Verdict:
    return Verdict("Unknown", reason, message, reconciling=True, requeue_after=requeue_after)


def verdict_for_error(error: ReconcileError) -> Verdict:
    if isinstance(error, Stalled):
        return Verdict("False", error.reason, error.message, stalled=True, result="stalled")
    if isinstance(error, Waiting):
        return Verdict(
            "False",
            error.reason,
            error.message,
            reconciling=True,
            requeue_after=error.delay,
            result="waiting",
        )
    if isinstance(error, Transient):
        return Verdict(
            "False",
            error.reason,
            error.message,
            reconciling=True,
            retry=True,
            requeue_after=error.delay,
            result="transient",
        )
    return Verdict("False", error.reason, error.message, stalled=True, result="stalled")


def apply_verdict(
    conditions: list[Condition], verdict: Verdict, *, generation: int | None, now: datetime
) -> tuple[list[Condition], Event | None]:
    """New conditions, and the Event to post when Ready's status or reason changed."""
    before = find_condition(conditions, c.READY)
    after = kstatus(
        conditions,
        ready=verdict.ready,
        reason=verdict.reason,
        message=verdict.message,
        reconciling=verdict.reconciling,
        stalled=verdict.stalled,
        generation=generation,
        now=now,
    )
    for extra in verdict.also:
        after = set_condition(
            after, extra.type, extra.status, extra.reason, extra.message, generation=generation, now=now
        )
    changed = before is None or (before.status, before.reason) != (verdict.ready, verdict.reason)
    # A new stall message (another bad definition, say) is news to a person even with the same reason.
    changed = changed or (verdict.stalled and before is not None and before.message != verdict.message)
    if not changed:
        return after, None
    warning = verdict.stalled or verdict.retry
    return after, Event("Warning" if warning else "Normal", verdict.reason, verdict.message or verdict.reason)

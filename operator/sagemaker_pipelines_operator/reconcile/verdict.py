"""What a reconcile pass concluded, and the one function that turns it into conditions, an Event
and a requeue (Flux's ComputeReconcileResult). Every kind ends a pass with `compute_outcome`.

A verdict is exactly one of six cases (a sum type, not a bundle of flags that could disagree):

    Ready        Ready=True: as the spec says                          requeue only if asked
    NotReady     Ready=False, nothing to do until the world changes    (drift reported)
    Progressing  Ready=Unknown, Reconciling=True: on its way           requeue only if asked
    Blocked      Ready=False, Stalled=True: a person must act          requeue only if asked
    Deferred     Ready=False, Reconciling=True: look again in N s      always requeued
    Retrying     Ready=False, Reconciling=True: transient failure      retried with backoff

The error taxonomy (errors.py) maps onto these in `verdict_for_error`, and only there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, ConditionStatus, find_condition
from sagemaker_pipelines_operator.errors import ReconcileError, Transient, Waiting
from sagemaker_pipelines_operator.reconcile.conditions import kstatus, set_condition

DEFAULT_RETRY_SECONDS = 30.0
"""Backoff for a transient failure that names no delay of its own."""


@dataclass(frozen=True)
class ConditionUpdate:
    """A kind-specific condition (Drifted, Succeeded) set together with a verdict."""

    type: str
    status: ConditionStatus
    reason: str
    message: str = ""


@dataclass(frozen=True)
class Event:
    type: str  # "Normal" or "Warning"
    reason: str
    message: str


@dataclass(frozen=True)
class _Verdict:
    reason: str
    message: str
    requeue_after: float | None = None
    """Look again after this many seconds (None: only on the next change or timer)."""
    also: tuple[ConditionUpdate, ...] = ()
    """Other conditions to set in the same write (lastTransitionTime handled the same way)."""

    ready: ClassVar[ConditionStatus]
    reconciling: ClassVar[bool] = False
    stalled: ClassVar[bool] = False
    retry: ClassVar[bool] = False
    """Transient failure: kopf retries with backoff (and counts it as an error)."""
    result: ClassVar[str] = "success"
    """`result` label of smpo_reconcile_total: success, stalled, waiting, transient."""
    warns: ClassVar[bool] = False
    """Its Event is a Warning."""


@dataclass(frozen=True)
class Ready(_Verdict):
    ready: ClassVar[ConditionStatus] = "True"


@dataclass(frozen=True)
class NotReady(_Verdict):
    ready: ClassVar[ConditionStatus] = "False"


@dataclass(frozen=True)
class Progressing(_Verdict):
    ready: ClassVar[ConditionStatus] = "Unknown"
    reconciling: ClassVar[bool] = True


@dataclass(frozen=True)
class Blocked(_Verdict):
    ready: ClassVar[ConditionStatus] = "False"
    stalled: ClassVar[bool] = True
    result: ClassVar[str] = "stalled"
    warns: ClassVar[bool] = True


@dataclass(frozen=True)
class Deferred(_Verdict):
    requeue_after: float = 10.0
    ready: ClassVar[ConditionStatus] = "False"
    reconciling: ClassVar[bool] = True
    result: ClassVar[str] = "waiting"


@dataclass(frozen=True)
class Retrying(_Verdict):
    ready: ClassVar[ConditionStatus] = "False"
    reconciling: ClassVar[bool] = True
    retry: ClassVar[bool] = True
    result: ClassVar[str] = "transient"
    warns: ClassVar[bool] = True


Verdict = Ready | NotReady | Progressing | Blocked | Deferred | Retrying


def ready(reason: str, message: str, requeue_after: float | None = None) -> Verdict:
    return Ready(reason, message, requeue_after=requeue_after)


def progressing(reason: str, message: str, requeue_after: float | None = None) -> Verdict:
    return Progressing(reason, message, requeue_after=requeue_after)


def verdict_for_error(error: ReconcileError) -> Verdict:
    """The one policy per error kind: Waiting defers, Transient retries (keeping its delay), any
    other (Stalled) blocks until a person acts."""
    if isinstance(error, Waiting):
        return Deferred(error.reason, error.message, requeue_after=error.delay)
    if isinstance(error, Transient):
        return Retrying(error.reason, error.message, requeue_after=error.delay)
    return Blocked(error.reason, error.message)


@dataclass(frozen=True)
class Requeue:
    after: float
    backoff: bool
    """A transient failure (kopf counts a retry), rather than a planned look."""


@dataclass(frozen=True)
class Outcome:
    conditions: list[Condition]
    event: Event | None
    """Posted when Ready's status or reason changed (or a stall's message)."""
    requeue: Requeue | None


def requeue_of(verdict: Verdict, default_retry: float = DEFAULT_RETRY_SECONDS) -> Requeue | None:
    if verdict.retry:
        return Requeue(verdict.requeue_after or default_retry, backoff=True)
    if verdict.requeue_after is not None:
        return Requeue(verdict.requeue_after, backoff=False)
    return None


def compute_outcome(
    conditions: list[Condition], verdict: Verdict, *, generation: int | None, now: datetime
) -> Outcome:
    """New conditions, the Event to post on a transition, and when to look again."""
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
    return Outcome(after, transition_event(before, verdict), requeue_of(verdict))


def transition_event(before: Condition | None, verdict: Verdict) -> Event | None:
    """An Event when Ready's status or reason changes; a new stall message is news too (another
    bad definition, say) even with the same reason."""
    changed = before is None or (before.status, before.reason) != (verdict.ready, verdict.reason)
    changed = changed or (verdict.stalled and before is not None and before.message != verdict.message)
    if not changed:
        return None
    return Event("Warning" if verdict.warns else "Normal", verdict.reason, verdict.message or verdict.reason)


def apply_verdict(
    conditions: list[Condition], verdict: Verdict, *, generation: int | None, now: datetime
) -> tuple[list[Condition], Event | None]:
    """`compute_outcome` without the requeue, for callers that decide only conditions and Events."""
    outcome = compute_outcome(conditions, verdict, generation=generation, now=now)
    return outcome.conditions, outcome.event

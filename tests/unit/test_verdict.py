"""Outcomes become kstatus conditions and Events in one place (reconcile/verdict.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, find_condition
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled, Transient, Waiting
from sagemaker_pipelines_operator.reconcile.verdict import (
    DEFAULT_RETRY_SECONDS,
    Blocked,
    Deferred,
    NotReady,
    Ready,
    Requeue,
    Retrying,
    Verdict,
    apply_verdict,
    compute_outcome,
    progressing,
    ready,
    verdict_for_error,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def status_of(conditions: list[Condition]) -> dict[str, str]:
    return {x.type: x.status for x in conditions}


@pytest.mark.parametrize(
    ("error", "expected", "result", "retry", "requeue"),
    [
        pytest.param(
            Stalled(c.INVALID_DEFINITION, "step 'A': bad"),
            {"Ready": "False", "Reconciling": "False", "Stalled": "True"},
            "stalled",
            False,
            None,
            id="stalled-no-retry",
        ),
        pytest.param(
            Waiting(c.WAITING_FOR_PIPELINE, "pipeline p not Ready", delay=7),
            {"Ready": "False", "Reconciling": "True", "Stalled": "False"},
            "waiting",
            False,
            7,
            id="waiting-requeues",
        ),
        pytest.param(
            Transient(c.AWS_UNAVAILABLE, "throttled"),
            {"Ready": "False", "Reconciling": "True", "Stalled": "False"},
            "transient",
            True,
            None,
            id="transient-retries",
        ),
    ],
)
def test_errors_map_to_kstatus(
    error: ReconcileError, expected: dict[str, str], result: str, retry: bool, requeue: float | None
) -> None:
    verdict = verdict_for_error(error)
    conditions, event = apply_verdict([], verdict, generation=3, now=T0)
    assert status_of(conditions) == expected
    assert (verdict.result, verdict.retry, verdict.requeue_after) == (result, retry, requeue)
    assert all(x.observed_generation == 3 for x in conditions)
    assert event is not None
    assert event.type == ("Normal" if result == "waiting" else "Warning")
    assert event.reason == error.reason


def test_first_sight_is_unknown_and_reconciling() -> None:
    conditions, event = apply_verdict([], progressing(c.PROGRESSING, "accepted"), generation=1, now=T0)
    assert status_of(conditions) == {"Ready": "Unknown", "Reconciling": "True", "Stalled": "False"}
    assert event is not None
    assert event.reason == "Reconciling"


def test_repeated_verdict_keeps_transition_time_and_posts_no_event() -> None:
    first, _ = apply_verdict([], ready(c.RECONCILED, "ok"), generation=1, now=T0)
    again, event = apply_verdict(first, ready(c.RECONCILED, "ok"), generation=2, now=T0 + timedelta(hours=1))
    assert event is None
    ready_condition = find_condition(again, c.READY)
    assert ready_condition is not None
    assert ready_condition.last_transition_time == T0
    assert ready_condition.observed_generation == 2


def test_status_change_moves_transition_time_and_posts_event() -> None:
    first, _ = apply_verdict([], ready(c.RECONCILED, "ok"), generation=1, now=T0)
    later = T0 + timedelta(minutes=5)
    after, event = apply_verdict(
        first, verdict_for_error(Stalled(c.AWS_REJECTED, "AccessDenied")), generation=1, now=later
    )
    ready_condition = find_condition(after, c.READY)
    assert ready_condition is not None
    assert ready_condition.last_transition_time == later
    assert event is not None
    assert (event.type, event.reason) == ("Warning", c.AWS_REJECTED)


def test_verdict_is_ready_only_when_ready_true() -> None:
    conditions, _ = apply_verdict([], Ready(c.RECONCILED, "done"), generation=1, now=T0)
    assert status_of(conditions) == {"Ready": "True", "Reconciling": "False", "Stalled": "False"}


@pytest.mark.parametrize(
    ("verdict", "requeue"),
    [
        pytest.param(Ready(c.RECONCILED, "ok"), None, id="ready-done"),
        pytest.param(Ready(c.RECONCILED, "ok", requeue_after=60), Requeue(60, backoff=False), id="ready-ttl"),
        pytest.param(NotReady(c.PIPELINE_DELETED_IN_SAGEMAKER, "gone"), None, id="not-ready-done"),
        pytest.param(Blocked(c.INVALID_SPEC, "bad"), None, id="blocked-done"),
        pytest.param(
            Blocked(c.AWS_REJECTED, "denied", requeue_after=300), Requeue(300, False), id="blocked-recheck"
        ),
        pytest.param(
            Deferred(c.WAITING_FOR_PIPELINE, "later", requeue_after=7), Requeue(7, False), id="deferred"
        ),
        pytest.param(
            Retrying(c.AWS_UNAVAILABLE, "503"), Requeue(DEFAULT_RETRY_SECONDS, True), id="retry-default"
        ),
        pytest.param(
            Retrying(c.AWS_UNAVAILABLE, "slow", requeue_after=4), Requeue(4, True), id="retry-own-delay"
        ),
    ],
)
def test_one_outcome_decides_the_requeue(verdict: Verdict, requeue: Requeue | None) -> None:
    assert compute_outcome([], verdict, generation=1, now=T0).requeue == requeue


@pytest.mark.parametrize(
    ("error", "variant"),
    [
        pytest.param(Stalled(c.INVALID_SPEC, "bad"), Blocked, id="stalled-blocks"),
        pytest.param(Waiting(c.WAITING_FOR_PIPELINE, "later", delay=3), Deferred, id="waiting-defers"),
        pytest.param(Transient(c.AWS_UNAVAILABLE, "503", delay=2), Retrying, id="transient-retries"),
    ],
)
def test_one_policy_per_error_kind(error: ReconcileError, variant: type) -> None:
    verdict = verdict_for_error(error)
    assert type(verdict) is variant
    assert (verdict.reason, verdict.message) == (error.reason, error.message)
    assert verdict.requeue_after == getattr(error, "delay", None)

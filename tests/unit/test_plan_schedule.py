"""plan_schedule with a controllable clock: due times, catch-up, deadlines, concurrency, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.api.schedule import PipelineSchedule
from sagemaker_pipelines_operator.reconcile.schedule import (
    SCHEDULE_UID_LABEL,
    SCHEDULED_TIME_ANNOTATION,
    STALLED_SLEEP_SECONDS,
    ScheduledRun,
    plan_schedule,
    run_name,
    sleep_after,
)
from sagemaker_pipelines_operator.reconcile.verdict import Blocked, Deferred, Retrying, Verdict

UID = "5c4e0000-aaaa-bbbb-cccc-000000000001"
Phase = PipelineRunPhase


def schedule(status: dict[str, Any] | None = None, **spec: Any) -> PipelineSchedule:
    return PipelineSchedule.model_validate(
        {
            "metadata": {
                "name": "nightly",
                "namespace": "ml",
                "uid": UID,
                "generation": 1,
                "creationTimestamp": "2026-01-01T09:58:30Z",
            },
            "spec": {
                "schedule": "*/5 * * * *",
                "runTemplate": {
                    "metadata": {"labels": {"team": "ml"}},
                    "spec": {"pipelineRef": {"name": "train"}, "parameters": {"Epochs": "3"}},
                },
                **spec,
            },
            "status": status or {},
        }
    )


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 1, 1, hour, minute, second, tzinfo=UTC)


def owned(
    minute: int, phase: Phase | None, completed: datetime | None = None, cancel: bool = False
) -> ScheduledRun:
    when = at(10, minute)
    return ScheduledRun(run_name("nightly", when), when, phase, completed, cancel)


def test_nothing_is_due_before_the_first_scheduled_time() -> None:
    plan = plan_schedule(schedule(), [], at(9, 59))
    assert plan.create is None and plan.status.next_schedule_time == at(10, 0)
    assert plan.wake_after == 60
    ready = find_condition(plan.status.conditions, c.READY)
    assert ready is not None and (ready.status, ready.reason) == ("True", c.SCHEDULED)


def test_due_time_creates_one_owned_run_with_a_name_per_time() -> None:
    plan = plan_schedule(schedule(), [], at(10, 0, 2))
    assert plan.create is not None
    meta = plan.create["metadata"]
    assert meta["name"] == f"nightly-{int(at(10, 0).timestamp()) // 60}" == run_name("nightly", at(10, 0))
    assert meta["labels"] == {"team": "ml", SCHEDULE_UID_LABEL: UID}
    assert meta["annotations"] == {SCHEDULED_TIME_ANNOTATION: "2026-01-01T10:00:00Z"}
    assert meta["ownerReferences"][0]["uid"] == UID and meta["ownerReferences"][0]["controller"] is True
    assert plan.create["spec"]["parameters"] == {"Epochs": "3"}
    assert plan.status.last_schedule_time == at(10, 0)
    assert [a.name for a in plan.status.active] == [meta["name"]]
    assert [e.reason for e in plan.events] == [c.SCHEDULED, c.RUN_CREATED]


def test_a_handled_time_is_not_created_again() -> None:
    first = plan_schedule(schedule(), [], at(10, 0, 2))
    again = plan_schedule(
        schedule(first.status.model_dump(by_alias=True, mode="json")), [owned(0, Phase.EXECUTING)], at(10, 1)
    )
    assert again.create is None and again.events == ()


def test_run_created_before_a_restart_lost_the_status_is_recorded_not_duplicated() -> None:
    plan = plan_schedule(schedule(), [owned(0, None)], at(10, 0, 30))
    assert plan.create is None and plan.status.last_schedule_time == at(10, 0)


def test_many_missed_times_catch_up_once_with_the_latest() -> None:
    plan = plan_schedule(schedule(), [], at(10, 27))
    assert plan.create is not None
    assert plan.create["metadata"]["annotations"][SCHEDULED_TIME_ANNOTATION] == "2026-01-01T10:25:00Z"
    assert plan.status.next_schedule_time == at(10, 30)


def test_a_time_missed_beyond_the_starting_deadline_is_skipped_with_a_warning() -> None:
    plan = plan_schedule(schedule(startingDeadlineSeconds=60), [], at(10, 3))
    assert plan.create is None and plan.status.last_skipped_time == at(10, 0)
    assert [(e.type, e.reason) for e in plan.events] == [("Normal", c.SCHEDULED), ("Warning", c.SKIPPED)]
    later = plan_schedule(
        schedule(plan.status.model_dump(by_alias=True, mode="json"), startingDeadlineSeconds=60),
        [],
        at(10, 4),
    )
    assert later.create is None and later.events == ()


def test_within_the_starting_deadline_the_run_is_created_late() -> None:
    plan = plan_schedule(schedule(startingDeadlineSeconds=300), [], at(10, 3))
    assert plan.create is not None


@pytest.mark.parametrize(
    ("policy", "creates", "cancels"),
    [
        pytest.param("Forbid", False, [], id="forbid-skips"),
        pytest.param("Allow", True, [], id="allow-overlaps"),
        pytest.param("Replace", True, [run_name("nightly", at(10, 0))], id="replace-cancels"),
    ],
)
def test_concurrency_policy_with_an_active_run(policy: str, creates: bool, cancels: list[str]) -> None:
    status = {"lastScheduleTime": "2026-01-01T10:00:00Z"}
    plan = plan_schedule(
        schedule(status, concurrencyPolicy=policy), [owned(0, Phase.EXECUTING)], at(10, 5, 1)
    )
    assert (plan.create is not None) == creates
    assert list(plan.cancel) == cancels
    if policy == "Forbid":
        assert plan.status.last_skipped_time == at(10, 5)
        assert plan.status.last_schedule_time == at(10, 0)


def test_forbid_creates_when_the_previous_run_finished() -> None:
    status = {"lastScheduleTime": "2026-01-01T10:00:00Z"}
    plan = plan_schedule(schedule(status), [owned(0, Phase.SUCCEEDED, at(10, 3))], at(10, 5, 1))
    assert plan.create is not None and plan.status.last_successful_time == at(10, 3)


def test_suspended_schedule_creates_nothing_and_says_so() -> None:
    plan = plan_schedule(schedule(suspend=True), [], at(10, 7))
    assert plan.create is None and plan.status.last_schedule_time is None
    ready = find_condition(plan.status.conditions, c.READY)
    assert ready is not None and (ready.status, ready.reason) == ("True", c.SUSPENDED)


def test_suspending_and_resuming_are_events() -> None:
    first = plan_schedule(schedule(), [], at(9, 59))
    suspended = plan_schedule(
        schedule(first.status.model_dump(by_alias=True, mode="json"), suspend=True), [], at(9, 59, 30)
    )
    assert [(e.type, e.reason) for e in first.events] == [("Normal", c.SCHEDULED)]
    assert [(e.type, e.reason) for e in suspended.events] == [("Normal", c.SUSPENDED)]


def test_history_limits_delete_the_oldest_finished_runs() -> None:
    runs = [owned(m, Phase.SUCCEEDED, at(10, m + 1)) for m in (0, 5, 10, 15, 20)] + [
        owned(m, Phase.FAILED, at(10, m + 1)) for m in (1, 6, 11)
    ]
    status = {"lastScheduleTime": "2026-01-01T10:20:00Z"}
    plan = plan_schedule(
        schedule(status, successfulRunsHistoryLimit=3, failedRunsHistoryLimit=1), runs, at(10, 22)
    )
    assert sorted(plan.delete) == sorted(run_name("nightly", at(10, m)) for m in (0, 5, 1, 6))
    assert plan.status.last_successful_time == at(10, 21)


def test_time_zone_decides_the_wall_clock_of_the_schedule() -> None:
    berlin = schedule(schedule="0 9 * * *", timeZone="Europe/Berlin")
    plan = plan_schedule(berlin, [], datetime(2026, 1, 2, 8, 0, 5, tzinfo=UTC))
    assert plan.create is not None
    assert plan.create["metadata"]["annotations"][SCHEDULED_TIME_ANNOTATION] == "2026-01-02T08:00:00Z"
    assert plan.status.next_schedule_time == datetime(2026, 1, 3, 8, 0, tzinfo=UTC)


def test_run_names_are_deterministic_and_fit_kubernetes() -> None:
    assert run_name("x" * 253, at(10, 0)) == run_name("x" * 253, at(10, 0))
    assert len(run_name("x" * 253, at(10, 0))) == 253
    assert run_name("a", at(10, 0)) != run_name("a", at(10, 0) + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("verdict", "seconds"),
    [
        pytest.param(
            Blocked(c.INVALID_SCHEDULE, "bad cron"), STALLED_SLEEP_SECONDS, id="blocked-until-spec-changes"
        ),
        pytest.param(Retrying(c.KUBERNETES_UNAVAILABLE, "503"), 2.0, id="retry-at-poll-cadence"),
        pytest.param(Retrying(c.KUBERNETES_UNAVAILABLE, "503", requeue_after=0.5), 0.5, id="retry-own-delay"),
        pytest.param(
            Deferred(c.KUBERNETES_UNAVAILABLE, "later", requeue_after=60), 2.0, id="deferred-capped"
        ),
    ],
)
def test_a_failed_pass_sleeps_by_its_verdict(verdict: Verdict, seconds: float) -> None:
    assert sleep_after(verdict, poll_max_seconds=2.0) == seconds

"""plan_schedule with a controllable clock: due times, catch-up, deadlines, concurrency, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.api.schedule import (
    SCHEDULE_UID_LABEL,
    SCHEDULED_TIME_ANNOTATION,
    VARIANT_LABEL,
    PipelineSchedule,
)
from sagemaker_pipelines_operator.reconcile.verdict import Blocked, Deferred, Retrying, Verdict
from sagemaker_pipelines_operator.schedules.plan import (
    STALLED_SLEEP_SECONDS,
    ScheduledRun,
    plan_schedule,
    run_name,
    sleep_after,
)

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
    assert not plan.create and plan.status.next_schedule_time == at(10, 0)
    assert plan.wake_after == 60
    ready = find_condition(plan.status.conditions, c.READY)
    assert ready is not None and (ready.status, ready.reason) == ("True", c.SCHEDULED)


def test_due_time_creates_one_owned_run_with_a_name_per_time() -> None:
    plan = plan_schedule(schedule(), [], at(10, 0, 2))
    assert len(plan.create) == 1
    meta = plan.create[0]["metadata"]
    assert meta["name"] == f"nightly-{int(at(10, 0).timestamp()) // 60}" == run_name("nightly", at(10, 0))
    assert meta["labels"] == {"team": "ml", SCHEDULE_UID_LABEL: UID}
    assert meta["annotations"] == {SCHEDULED_TIME_ANNOTATION: "2026-01-01T10:00:00Z"}
    assert meta["ownerReferences"][0]["uid"] == UID and meta["ownerReferences"][0]["controller"] is True
    assert plan.create[0]["spec"]["parameters"] == {"Epochs": "3"}
    assert plan.status.last_schedule_time == at(10, 0)
    assert [a.name for a in plan.status.active] == [meta["name"]]
    assert [e.reason for e in plan.events] == [c.SCHEDULED, c.RUN_CREATED]


def test_a_handled_time_is_not_created_again() -> None:
    first = plan_schedule(schedule(), [], at(10, 0, 2))
    again = plan_schedule(
        schedule(first.status.model_dump(by_alias=True, mode="json")), [owned(0, Phase.EXECUTING)], at(10, 1)
    )
    assert not again.create and again.events == ()


def test_run_created_before_a_restart_lost_the_status_is_recorded_not_duplicated() -> None:
    plan = plan_schedule(schedule(), [owned(0, None)], at(10, 0, 30))
    assert not plan.create and plan.status.last_schedule_time == at(10, 0)


def test_many_missed_times_catch_up_once_with_the_latest() -> None:
    plan = plan_schedule(schedule(), [], at(10, 27))
    assert len(plan.create) == 1
    assert plan.create[0]["metadata"]["annotations"][SCHEDULED_TIME_ANNOTATION] == "2026-01-01T10:25:00Z"
    assert plan.status.next_schedule_time == at(10, 30)


def test_a_time_missed_beyond_the_starting_deadline_is_skipped_with_a_warning() -> None:
    plan = plan_schedule(schedule(startingDeadlineSeconds=60), [], at(10, 3))
    assert not plan.create and plan.status.last_skipped_time == at(10, 0)
    assert [(e.type, e.reason) for e in plan.events] == [("Normal", c.SCHEDULED), ("Warning", c.SKIPPED)]
    later = plan_schedule(
        schedule(plan.status.model_dump(by_alias=True, mode="json"), startingDeadlineSeconds=60),
        [],
        at(10, 4),
    )
    assert not later.create and later.events == ()


def test_within_the_starting_deadline_the_run_is_created_late() -> None:
    plan = plan_schedule(schedule(startingDeadlineSeconds=300), [], at(10, 3))
    assert len(plan.create) == 1


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
    assert bool(plan.create) == creates
    assert list(plan.cancel) == cancels
    if policy == "Forbid":
        assert plan.status.last_skipped_time == at(10, 5)
        assert plan.status.last_schedule_time == at(10, 0)


def test_forbid_creates_when_the_previous_run_finished() -> None:
    status = {"lastScheduleTime": "2026-01-01T10:00:00Z"}
    plan = plan_schedule(schedule(status), [owned(0, Phase.SUCCEEDED, at(10, 3))], at(10, 5, 1))
    assert len(plan.create) == 1 and plan.status.last_successful_time == at(10, 3)


def test_suspended_schedule_creates_nothing_and_says_so() -> None:
    plan = plan_schedule(schedule(suspend=True), [], at(10, 7))
    assert not plan.create and plan.status.last_schedule_time is None
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
    assert len(plan.create) == 1
    assert plan.create[0]["metadata"]["annotations"][SCHEDULED_TIME_ANNOTATION] == "2026-01-02T08:00:00Z"
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


ARMS = [
    {"name": "champion", "pipelineVersion": {"alias": "champion"}},
    {"name": "challenger", "pipelineVersion": {"alias": "challenger"}, "parameters": {"MaxDepth": "8"}},
]


def arm(minute: int, variant: str, phase: Phase | None, completed: datetime | None = None) -> ScheduledRun:
    when = at(10, minute)
    return ScheduledRun(run_name("nightly", when, variant), when, phase, completed)


def test_variants_start_one_run_each_from_the_template_at_the_same_time() -> None:
    plan = plan_schedule(schedule(variants=ARMS), [], at(10, 0, 5))
    names = [m["metadata"]["name"] for m in plan.create]
    assert names == [run_name("nightly", at(10, 0), "champion"), run_name("nightly", at(10, 0), "challenger")]
    champion, challenger = plan.create
    assert [m["metadata"]["labels"][VARIANT_LABEL] for m in plan.create] == ["champion", "challenger"]
    assert {m["metadata"]["annotations"][SCHEDULED_TIME_ANNOTATION] for m in plan.create} == {
        "2026-01-01T10:00:00Z"
    }
    assert champion["spec"]["pipelineVersion"] == {"alias": "champion"}
    assert champion["spec"]["parameters"] == {"Epochs": "3"}
    assert challenger["spec"]["parameters"] == {"Epochs": "3", "MaxDepth": "8"}
    assert champion["metadata"]["labels"]["team"] == "ml"
    assert [a.name for a in plan.status.active] == names
    assert [e.reason for e in plan.events if e.reason == c.RUN_CREATED] == [c.RUN_CREATED]


def test_a_time_whose_first_variant_was_created_before_a_restart_creates_the_rest() -> None:
    # Forbid must not count the time's own run as "still active".
    started = [arm(0, "champion", Phase.EXECUTING)]
    plan = plan_schedule(schedule(variants=ARMS), started, at(10, 0, 5))
    assert [m["metadata"]["name"] for m in plan.create] == run_names_at(0)[1:]
    assert [a.name for a in plan.status.active] == run_names_at(0)
    assert [e.message for e in plan.events if e.reason == c.RUN_CREATED] == [
        f"created {run_names_at(0)[1]} for 2026-01-01T10:00:00Z"
    ]
    assert plan.status.last_schedule_time == at(10, 0)


def test_a_time_with_all_its_variants_created_is_recorded_not_created_again() -> None:
    both = [arm(0, "champion", Phase.EXECUTING), arm(0, "challenger", Phase.STARTING)]
    plan = plan_schedule(schedule(variants=ARMS), both, at(10, 0, 5))
    assert not plan.create and plan.status.last_schedule_time == at(10, 0)


def test_forbid_skips_a_time_while_a_variant_of_an_earlier_time_runs() -> None:
    earlier = [arm(0, "champion", Phase.SUCCEEDED, at(10, 2)), arm(0, "challenger", Phase.EXECUTING)]
    status = {"lastScheduleTime": "2026-01-01T10:00:00Z"}
    plan = plan_schedule(schedule(status, variants=ARMS), earlier, at(10, 5, 5))
    assert not plan.create and plan.status.last_skipped_time == at(10, 5)


def test_history_limits_count_scheduled_times_so_pairs_go_together() -> None:
    runs = [arm(m, v, Phase.SUCCEEDED, at(10, m + 1)) for m in (0, 5, 10) for v in ("champion", "challenger")]
    status = {"lastScheduleTime": "2026-01-01T10:10:00Z"}
    plan = plan_schedule(schedule(status, variants=ARMS, successfulRunsHistoryLimit=2), runs, at(10, 12))
    assert sorted(plan.delete) == sorted(
        run_name("nightly", at(10, 0), v) for v in ("champion", "challenger")
    )


def test_variant_names_are_unique_and_aliases_need_a_pipeline_ref() -> None:
    with pytest.raises(ValueError, match="variant names must be unique; repeated: champion"):
        schedule(variants=[ARMS[0], ARMS[0]])
    by_name = {"pipelineName": "churn-model"}
    with pytest.raises(ValueError, match="variants champion, challenger name a version alias"):
        PipelineSchedule.model_validate(
            {"spec": {"schedule": "@daily", "runTemplate": {"spec": by_name}, "variants": ARMS}}
        )


def run_names_at(minute: int) -> list[str]:
    return [run_name("nightly", at(10, minute), v) for v in ("champion", "challenger")]

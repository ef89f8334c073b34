"""PipelineSchedule on the real API server with a controllable clock: the operator's schedule
clock is real time plus an offset the test moves, so a `* * * * *` schedule fires within
seconds, and 'the operator was down for five minutes' takes no time at all."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.clock import TestClock
from tests.fixtures.runs import GROUP, VERSION, Kube, definition, run_manifest, slow, wait_for

SCHEDULE_UID_LABEL = "sagemaker.pipelines.dev/schedule-uid"
SCHEDULED_TIME = "sagemaker.pipelines.dev/scheduled-time"


def schedule_manifest(name: str = "every-minute", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineSchedule",
        "metadata": {"name": name},
        "spec": {
            "schedule": "* * * * *",
            "runTemplate": {"metadata": {"labels": {"team": "ml"}}, "spec": run_manifest("x")["spec"]},
            **spec,
        },
    }


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def scheduler(start_operator: Callable[..., Any], clock: TestClock) -> Callable[[], Any]:
    """Start an operator whose schedules read `clock` (call again after stopping one to restart)."""
    return lambda: start_operator(now=clock)


def runs_of(kube: Kube, schedule: str = "every-minute") -> list[dict[str, Any]]:
    uid = kube.get("PipelineSchedule", schedule)["metadata"]["uid"]  # type: ignore[index]
    found = [
        r for r in kube.list("PipelineRun") if r["metadata"].get("labels", {}).get(SCHEDULE_UID_LABEL) == uid
    ]
    return sorted(found, key=lambda r: r["metadata"]["annotations"][SCHEDULED_TIME])


def schedule_status(kube: Kube) -> dict[str, Any]:
    return kube.status("PipelineSchedule", "every-minute")


def run_name_for(boundary: datetime, schedule: str = "every-minute") -> str:
    return f"{schedule}-{int(boundary.timestamp()) // 60}"


def test_schedule_creates_an_owned_run_at_each_tick_and_records_success(
    kube: Kube, scheduler: Callable[[], Any], clock: TestClock
) -> None:
    scheduler()
    kube.ready_pipeline()
    boundary = clock.to_before_next_minute()
    kube.create(schedule_manifest())
    ready = wait_for(lambda: kube.condition("PipelineSchedule", "every-minute", "Ready").get("reason"))
    assert ready == "Scheduled"
    created = wait_for(lambda: runs_of(kube), timeout=15, what="the first scheduled run")
    run = created[0]
    assert run["metadata"]["name"] == run_name_for(boundary)
    assert run["metadata"]["labels"]["team"] == "ml"
    assert run["metadata"]["annotations"][SCHEDULED_TIME] == boundary.strftime("%Y-%m-%dT%H:%M:%SZ")
    owner = run["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("PipelineSchedule", "every-minute", True)
    kube.wait_phase(run["metadata"]["name"], "Succeeded")
    status = wait_for(
        lambda: (s := kube.status("PipelineSchedule", "every-minute")).get("lastSuccessfulTime") and s
    )
    assert status["lastScheduleTime"] == boundary.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert status.get("active", []) == []
    assert status["nextScheduleTime"] == (boundary + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "RunCreated" in [reason for _, reason, _ in kube.events("every-minute")]


def test_concurrency_policy_forbid_skips_replace_cancels_allow_overlaps(
    kube: Kube, scheduler: Callable[[], Any], clock: TestClock
) -> None:
    scheduler()
    kube.ready_pipeline(definition_doc=definition(slow("Long")))
    first = clock.to_before_next_minute()
    kube.create(schedule_manifest(concurrencyPolicy="Forbid"))
    wait_for(lambda: len(runs_of(kube)) == 1, timeout=15, what="first run")
    kube.wait_phase(run_name_for(first), "Executing")

    second = clock.to_before_next_minute()
    skipped = wait_for(lambda: schedule_status(kube).get("lastSkippedTime"), timeout=15)
    assert skipped == second.strftime("%Y-%m-%dT%H:%M:%SZ") and len(runs_of(kube)) == 1
    assert any(reason == "Skipped" for _, reason, _ in kube.events("every-minute"))

    kube.patch("PipelineSchedule", "every-minute", {"spec": {"concurrencyPolicy": "Replace"}})
    third = clock.to_before_next_minute()
    wait_for(lambda: len(runs_of(kube)) == 2, timeout=15, what="replacement run")
    assert kube.wait_phase(run_name_for(first), "Stopped")["stopReason"] == "Cancelled"
    kube.wait_phase(run_name_for(third), "Executing")

    kube.patch("PipelineSchedule", "every-minute", {"spec": {"concurrencyPolicy": "Allow"}})
    fourth = clock.to_before_next_minute()
    wait_for(lambda: len(runs_of(kube)) == 3, timeout=15, what="overlapping run")
    assert kube.wait_phase(run_name_for(fourth), "Executing")
    assert kube.status("PipelineRun", run_name_for(third))["phase"] == "Executing"
    active = {a["name"] for a in kube.status("PipelineSchedule", "every-minute")["active"]}
    assert active == {run_name_for(third), run_name_for(fourth)}


def test_history_limits_keep_only_the_newest_finished_runs(
    kube: Kube, scheduler: Callable[[], Any], clock: TestClock
) -> None:
    scheduler()
    kube.ready_pipeline()
    kube.create(schedule_manifest(successfulRunsHistoryLimit=1))
    boundaries = []
    for _ in range(3):
        boundaries.append(clock.to_before_next_minute())
        name = run_name_for(boundaries[-1])
        wait_for(lambda n=name: any(r["metadata"]["name"] == n for r in runs_of(kube)), timeout=15)
        kube.wait_phase(name, "Succeeded")
    kept = wait_for(
        lambda: len(names := [r["metadata"]["name"] for r in runs_of(kube)]) == 1 and names, timeout=15
    )
    assert kept == [run_name_for(boundaries[-1])]


def test_restart_never_duplicates_and_catches_up_at_most_once(
    kube: Kube, scheduler: Callable[[], Any], clock: TestClock
) -> None:
    first_operator = scheduler()
    kube.ready_pipeline()
    first = clock.to_before_next_minute()
    kube.create(schedule_manifest(concurrencyPolicy="Allow"))
    wait_for(lambda: runs_of(kube), timeout=15, what="first run")
    first_operator.stop()

    scheduler()  # same time, new process state: the deterministic name prevents a second run
    wait_for(lambda: kube.condition("PipelineSchedule", "every-minute", "Ready").get("status") == "True")
    assert [r["metadata"]["name"] for r in runs_of(kube)] == [run_name_for(first)]

    clock.advance(timedelta(minutes=5))  # "the operator was down": five ticks missed
    caught_up = wait_for(
        lambda: len(runs_of(kube)) == 2 and runs_of(kube), timeout=15, what="one catch-up run"
    )
    missed_latest = clock().replace(second=0, microsecond=0)
    assert caught_up[1]["metadata"]["name"] == run_name_for(missed_latest)
    time.sleep(4)  # two more daemon cycles (poll_max is 2 s in tests): still exactly one catch-up
    assert len(runs_of(kube)) == 2
    prove_operator_alive(kube.api.api_client, kube.namespace)


def test_starting_deadline_skips_a_tick_missed_for_too_long(
    kube: Kube, scheduler: Callable[[], Any], clock: TestClock
) -> None:
    scheduler()
    kube.ready_pipeline()
    clock.to_before_next_minute(lead=50)  # the next tick is 50 s away: nothing due for now
    kube.create(schedule_manifest(startingDeadlineSeconds=5))
    wait_for(lambda: kube.condition("PipelineSchedule", "every-minute", "Ready").get("status") == "True")
    clock.advance(timedelta(seconds=70))  # the tick passed 20 s ago, beyond the 5 s deadline
    skipped = wait_for(lambda: schedule_status(kube).get("lastSkippedTime"), timeout=15)
    assert skipped and runs_of(kube) == []
    warnings = [m for t, r, m in kube.events("every-minute") if t == "Warning" and r == "Skipped"]
    assert warnings and "startingDeadlineSeconds=5" in warnings[0]


def test_suspended_schedule_creates_nothing(
    kube: Kube, scheduler: Callable[[], Any], clock: TestClock
) -> None:
    scheduler()
    kube.ready_pipeline()
    kube.create(schedule_manifest(suspend=True))
    ready = wait_for(lambda: kube.condition("PipelineSchedule", "every-minute", "Ready").get("reason"))
    assert ready == "Suspended"
    clock.to_before_next_minute()
    clock.advance(timedelta(seconds=5))
    # Two daemon cycles (poll_max is 2 s in tests) after the tick: still nothing.
    with pytest.raises(AssertionError):
        wait_for(lambda: runs_of(kube), timeout=5)
    kube.patch("PipelineSchedule", "every-minute", {"spec": {"suspend": False}})
    wait_for(lambda: runs_of(kube), timeout=15, what="the missed tick caught up after resuming")


def test_invalid_cron_is_written_as_stalled_and_a_fixed_spec_schedules(
    kube: Kube, scheduler: Callable[[], Any], clock: TestClock
) -> None:
    scheduler()
    kube.ready_pipeline()
    kube.create(schedule_manifest(schedule="every minute please"))
    stalled = wait_for(
        lambda: (
            (s := kube.condition("PipelineSchedule", "every-minute", "Stalled")).get("status") == "True" and s
        ),
        what="the schedule to say Stalled",
    )
    assert stalled["reason"] == "InvalidSchedule"
    assert "not a valid 5-field cron expression: 'every minute please'" in stalled["message"]
    ready = kube.condition("PipelineSchedule", "every-minute", "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "InvalidSchedule")
    assert kube.status("PipelineSchedule", "every-minute")["observedGeneration"] == 1
    warnings = [m for t, r, m in kube.events("every-minute") if (t, r) == ("Warning", "InvalidSchedule")]
    assert warnings and "every minute please" in warnings[0]
    assert runs_of(kube) == []

    kube.patch("PipelineSchedule", "every-minute", {"spec": {"schedule": "* * * * *"}})
    wait_for(
        lambda: kube.condition("PipelineSchedule", "every-minute", "Ready").get("reason") == "Scheduled",
        what="the fixed schedule to be Ready",
    )
    assert kube.condition("PipelineSchedule", "every-minute", "Stalled")["status"] == "False"
    clock.to_before_next_minute()
    wait_for(lambda: runs_of(kube), timeout=15, what="a run at the next tick")

"""RunPoller's pass over one SageMaker pipeline, in memory: one listing for all of its runs,
Describe only for a run the listing does not show, and what the pass leaves in the tracker
(finished runs leave it with their TTL armed; a vanished pipeline fails its runs clearly)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.errors import Transient
from sagemaker_pipelines_operator.runs.poller import RunPoller
from sagemaker_pipelines_operator.runs.tracker import RunTracker
from sagemaker_pipelines_operator.settings import OperatorSettings
from tests.unit.run_world import NAMESPACE, ROLE, MonotonicClock, RunWorld

SETTINGS = OperatorSettings(poll_min_seconds=1.0, poll_max_seconds=30.0)
REF: dict[str, Any] = {"pipelineRef": {"name": "train"}}


def started_runs(
    count: int, spec: dict[str, Any] | None = None, settings: OperatorSettings = SETTINGS
) -> tuple[RunWorld, RunTracker, RunPoller]:
    world = RunWorld()
    world.add_pipeline()
    tracker = RunTracker(clock=MonotonicClock())
    for i in range(count):
        world.kube.create("pipelineruns", NAMESPACE, {"metadata": {"name": f"r{i}"}, "spec": spec or REF})
        result = world.reconciler.reconcile(run(world, f"r{i}"), world.now)
        assert result.track and result.run is not None
        tracker.track(result.run, result.role)
    poller = RunPoller(settings, tracker, world.reconciler, wall_clock=lambda: world.now)
    return world, tracker, poller


def run(world: RunWorld, name: str) -> PipelineRun:
    body = world.kube.get("pipelineruns", NAMESPACE, name)
    assert body is not None
    return PipelineRun.model_validate(body)


def poll_once(tracker: RunTracker, poller: RunPoller) -> None:
    """What a poller worker does with a due pipeline: claim it, poll it, release it."""
    (group,) = tracker.claim_due()
    tracker.release(group, poller.poll_group(group))


def test_one_listing_covers_every_run_of_the_pipeline() -> None:
    world, tracker, poller = started_runs(5)
    calls_before = len(world.sagemaker.calls)
    poll_once(tracker, poller)
    made = [op for op, _ in world.sagemaker.calls[calls_before:]]
    assert made.count("listing") == 1
    assert made.count("describe") == 0
    assert tracker.counts() == (1, 5)


def test_a_run_the_listing_misses_is_described() -> None:
    world, tracker, poller = started_runs(2)
    world.sagemaker.executions[str(run(world, "r0").status.execution_arn)].created = world.now.replace(
        year=2020
    )
    poll_once(tracker, poller)
    assert world.sagemaker.count("describe") == 1


def test_finished_runs_leave_the_tracker_with_their_ttl_armed() -> None:
    world, tracker, poller = started_runs(2, REF | {"ttlSecondsAfterFinished": 60})
    for execution in world.sagemaker.executions.values():
        world.sagemaker.settle(execution.arn, "Failed", failure_reason="boom")
    poll_once(tracker, poller)
    assert [run(world, f"r{i}").status.phase for i in range(2)] == ["Failed", "Failed"]
    assert tracker.counts() == (0, 0)
    assert tracker.seconds_until_expiry(world.now.timestamp()) == 60.0


def test_a_vanished_pipeline_fails_its_runs_with_the_reason() -> None:
    world, tracker, poller = started_runs(2)
    world.sagemaker.pipelines.clear()
    poll_once(tracker, poller)
    for i in range(2):
        ready = next(x for x in run(world, f"r{i}").status.conditions if x.type == c.READY)
        assert ready.reason == c.PIPELINE_NOT_FOUND
    assert tracker.counts() == (0, 0)


def test_the_poll_looks_through_the_role_the_run_was_tracked_with() -> None:
    world, tracker, poller = started_runs(1)
    world.roles_used.clear()
    poll_once(tracker, poller)
    assert set(world.roles_used) == {ROLE}


STEP = {"StepName": "Train", "StepStatus": "Executing", "Metadata": {"TrainingJob": {"Arn": "arn:job"}}}


def listed_and_stepped(world: RunWorld, tracker: RunTracker, poller: RunPoller) -> str:
    """One run, listed once; then its first step starts and SageMaker says so in an event."""
    poll_once(tracker, poller)
    arn = str(run(world, "r0").status.execution_arn)
    world.sagemaker.settle(arn, "Executing", steps=[STEP])
    assert tracker.hint(arn, steps=True, within=0.0)
    return arn


def test_a_step_event_costs_a_step_listing_not_the_pipelines_listing() -> None:
    world, tracker, poller = started_runs(1)
    arn = listed_and_stepped(world, tracker, poller)
    calls_before = len(world.sagemaker.calls)
    (tracked,) = tracker.claim_steps_due()
    poller.list_steps(tracked)
    assert world.sagemaker.calls[calls_before:] == [("steps", {"arn": arn})]
    steps = run(world, "r0").status.steps
    assert [(s.name, s.status, s.type) for s in steps] == [("Train", "Executing", "Training")]
    assert tracker.claim_due() == []


def test_a_step_listing_already_made_by_a_poll_is_not_made_again() -> None:
    world, tracker, poller = started_runs(1, REF)
    listed_and_stepped(world, tracker, poller)
    (tracked,) = tracker.claim_steps_due()
    tracker.steps_listed(tracked, since=tracker.clock())  # a poll of the pipeline listed them meanwhile
    calls_before = len(world.sagemaker.calls)
    poller.list_steps(tracked)
    assert world.sagemaker.calls[calls_before:] == []


def test_a_step_listing_waits_for_the_steps_allowance() -> None:
    world, tracker, poller = started_runs(1)
    listed_and_stepped(world, tracker, poller)
    (tracked,) = tracker.claim_steps_due()
    while poller._steps_bucket.try_acquire() == 0.0:  # spend the allowance
        pass
    calls_before = len(world.sagemaker.calls)
    poller.list_steps(tracked)
    assert world.sagemaker.calls[calls_before:] == []
    assert tracked.steps_due is not None and tracked.steps_due > tracker.clock()


def test_a_step_event_for_a_vanished_execution_leaves_it_to_the_listing() -> None:
    world, tracker, poller = started_runs(1)
    arn = listed_and_stepped(world, tracker, poller)
    world.sagemaker.vanish(arn)
    (tracked,) = tracker.claim_steps_due()
    poller.list_steps(tracked)
    assert len(tracker.claim_due()) == 1  # the listing says what a missing execution means


def test_a_step_listing_of_a_finished_run_is_its_final_one() -> None:
    """A success is written before its final steps (they wait for the allowance); a step event's
    listing delivers them, and the run leaves the tracker without another listing."""
    world, tracker, poller = started_runs(1)
    arn = listed_and_stepped(world, tracker, poller)
    (tracked,) = tracker.claim_steps_due()
    tracked.final_steps_pending = True
    world.sagemaker.settle(arn, "Succeeded", steps=[STEP | {"StepStatus": "Succeeded"}])
    tracked.execution = world.sagemaker.executions[arn].reported()
    tracked.last_seen_status = "Succeeded"
    poller.list_steps(tracked)
    assert [s.status for s in run(world, "r0").status.steps] == ["Succeeded"]
    assert tracker.counts() == (0, 0)


def test_a_final_status_from_an_event_is_written_without_a_listing_and_its_steps_follow() -> None:
    """Succeeded from the event: written at once, no ListPipelineExecutions; the final steps are
    one step listing, and then the run leaves the tracker (decision 75)."""
    world, tracker, poller = started_runs(1, settings=replace(SETTINGS, aws_tps=100.0))
    arn = listed_and_stepped(world, tracker, poller)
    (tracked,) = tracker.claim_steps_due()
    poller.list_steps(tracked)
    world.sagemaker.settle(arn, "Succeeded", steps=[STEP | {"StepStatus": "Succeeded"}])
    assert tracker.settle(arn, "Succeeded")
    calls_before = len(world.sagemaker.calls)
    ((tracked, status),) = tracker.claim_settled()
    poller.settle(tracked, status)
    assert world.sagemaker.calls[calls_before:] == []
    written = run(world, "r0").status
    assert written.phase == "Succeeded" and written.completion_time == world.now
    assert [s.status for s in written.steps] == ["Executing"]  # the final steps are not listed yet
    assert tracker.claim_due() == []
    (stepped,) = tracker.claim_steps_due()
    poller.list_steps(stepped)
    assert world.sagemaker.calls[calls_before:] == [("steps", {"arn": arn})]
    assert [s.status for s in run(world, "r0").status.steps] == ["Succeeded"]
    assert tracker.counts() == (0, 0)


def test_a_final_status_that_could_not_be_written_is_left_to_the_listing() -> None:
    world, tracker, poller = started_runs(1)
    arn = listed_and_stepped(world, tracker, poller)
    tracker.claim_steps_due()
    world.kube.fail_next["patch_status"] = Transient("ApiServerUnavailable", "the API server is restarting")
    assert tracker.settle(arn, "Succeeded")
    ((tracked, status),) = tracker.claim_settled()
    poller.settle(tracked, status)
    assert run(world, "r0").status.phase == "Executing"
    assert len(tracker.claim_due()) == 1  # the pipeline's listing looks now


def stepped_by_event(world: RunWorld, tracker: RunTracker, poller: RunPoller, step: dict[str, Any]) -> str:
    """One run, listed once; then its first step starts and the event reports the step itself."""
    poll_once(tracker, poller)
    arn = str(run(world, "r0").status.execution_arn)
    world.sagemaker.settle(arn, "Executing", steps=[step])
    assert tracker.hint(arn, steps=True, within=0.0, step=step)
    return arn


def test_a_step_event_that_reports_its_step_is_written_without_a_call() -> None:
    world, tracker, poller = started_runs(1)
    stepped_by_event(world, tracker, poller, STEP)
    calls_before = len(world.sagemaker.calls)
    (tracked,) = tracker.claim_steps_due()
    poller.list_steps(tracked)
    assert world.sagemaker.calls[calls_before:] == []
    written = run(world, "r0").status
    assert [(s.name, s.status, s.type, s.job_arn) for s in written.steps] == [
        ("Train", "Executing", "Training", "arn:job")
    ]
    assert written.step_summary == "0/1"
    assert tracker.claim_due() == []


def test_a_late_step_event_cannot_undo_what_a_listing_wrote() -> None:
    world, tracker, poller = started_runs(1)
    arn = listed_and_stepped(world, tracker, poller)
    world.sagemaker.settle(arn, "Executing", steps=[STEP | {"StepStatus": "Succeeded"}])
    (tracked,) = tracker.claim_steps_due()
    poller.list_steps(tracked)  # the listing says Succeeded
    assert tracker.hint(arn, steps=True, within=0.0, step=STEP)  # the Executing event, late
    (tracked,) = tracker.claim_steps_due()
    calls_before = len(world.sagemaker.calls)
    poller.list_steps(tracked)
    assert world.sagemaker.calls[calls_before:] == []
    assert [s.status for s in run(world, "r0").status.steps] == ["Succeeded"]


def test_a_run_with_a_fan_out_lists_its_steps_on_a_step_event() -> None:
    world, tracker, poller = started_runs(1)
    fan_out = {
        "StepName": "PerRegion",
        "StepStatus": "Executing",
        "Metadata": {"ForEach": {"InputItemCount": 2}},
    }
    arn = stepped_by_event(world, tracker, poller, fan_out)
    calls_before = len(world.sagemaker.calls)
    (tracked,) = tracker.claim_steps_due()
    poller.list_steps(tracked)
    assert world.sagemaker.calls[calls_before:] == [("steps", {"arn": arn})]
    (step,) = run(world, "r0").status.steps
    assert step.type == "ForEach" and step.for_each is not None


EVENTS_MODE = replace(
    SETTINGS, status_events_queue_url="http://sqs.local/q", status_events_poll_seconds=300.0
)


def test_with_status_events_the_safety_net_lists_only_steps_no_event_gave_for_its_interval() -> None:
    world, tracker, poller = started_runs(1, settings=EVENTS_MODE)
    stepped_by_event(world, tracker, poller, STEP)
    (tracked,) = tracker.claim_steps_due()
    poller.list_steps(tracked)  # written from the event
    assert isinstance(tracker.clock, MonotonicClock)
    tracker.clock.now += 299.0
    calls_before = len(world.sagemaker.calls)
    tracker.kick(tracked.uid)
    poll_once(tracker, poller)
    assert [op for op, _ in world.sagemaker.calls[calls_before:]] == ["listing"]
    tracker.clock.now += 2.0  # no step news for a whole safety-net interval: a lost event is found
    tracker.kick(tracked.uid)
    poll_once(tracker, poller)
    assert [op for op, _ in world.sagemaker.calls[calls_before:]] == ["listing", "listing", "steps"]


def test_polling_alone_refreshes_unchanged_steps_every_steps_refresh_seconds() -> None:
    """--steps-refresh-seconds, not --poll-max-seconds, sets how often an unchanged executing
    run's steps are listed: the lever between step-status lag and calls."""
    world, tracker, poller = started_runs(1, settings=replace(SETTINGS, steps_refresh_seconds=120.0))
    poll_once(tracker, poller)  # Starting -> Executing: the change lists the steps
    assert isinstance(tracker.clock, MonotonicClock)
    calls_before = len(world.sagemaker.calls)
    for _ in range(3):  # 3 x 30 s (poll_max): the pipeline is listed, its unchanged steps are not
        tracker.clock.now += 30.0
        poll_once(tracker, poller)
    assert [op for op, _ in world.sagemaker.calls[calls_before:]] == ["listing"] * 3
    tracker.clock.now += 30.0
    poll_once(tracker, poller)
    assert [op for op, _ in world.sagemaker.calls[calls_before:]] == ["listing"] * 4 + ["steps"]

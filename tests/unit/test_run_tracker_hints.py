"""RunTracker.hint: a status event makes its run's pipeline due, even while it is being polled."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.reconcile.execution import Execution
from sagemaker_pipelines_operator.runs.tracker import EARLY_HINT_SECONDS, RunTracker, TrackedRun
from tests.unit.run_world import MonotonicClock

ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/e1"
SAFETY_NET = 300.0


def executing_run(uid: str = "u1", arn: str = ARN) -> PipelineRun:
    body: dict[str, Any] = {
        "apiVersion": "sagemaker.pipelines.dev/v1alpha1",
        "kind": "PipelineRun",
        "metadata": {"name": uid, "namespace": "ml", "uid": uid},
        "spec": {"pipelineRef": {"name": "train"}},
        "status": {"phase": "Executing", "executionArn": arn, "pipelineName": "train", "region": "us-east-1"},
    }
    return PipelineRun.model_validate(body)


@pytest.fixture
def clock() -> MonotonicClock:
    return MonotonicClock()


@pytest.fixture
def tracker(clock: MonotonicClock) -> RunTracker:
    tracker = RunTracker(clock)
    tracker.track(executing_run(), None)
    (group,) = tracker.claim_due()
    tracker.release(group, clock.now + SAFETY_NET)
    return tracker


@pytest.mark.parametrize(
    ("within", "due_after"), [(0.0, 0.0), (1.0, 1.0), (5.0, 5.0)], ids=["now", "1s", "5s"]
)
def test_a_hint_makes_the_group_due_within_its_window(
    tracker: RunTracker, clock: MonotonicClock, within: float, due_after: float
) -> None:
    assert tracker.claim_due() == []
    assert tracker.hint(ARN, steps=False, within=within)
    assert tracker.seconds_until_due() == pytest.approx(due_after)
    clock.now += due_after
    assert len(tracker.claim_due()) == 1


def test_a_hint_during_a_poll_survives_the_polls_choice_of_next_look(
    tracker: RunTracker, clock: MonotonicClock
) -> None:
    clock.now += SAFETY_NET
    (group,) = tracker.claim_due()
    clock.now += 0.5  # the event arrives while the listing is in flight
    assert tracker.hint(ARN, steps=False, within=1.0)
    tracker.release(group, clock.now + SAFETY_NET)
    assert tracker.seconds_until_due() == pytest.approx(1.0)


def test_a_hint_from_before_the_claim_does_not_hide_one_during_the_poll(
    tracker: RunTracker, clock: MonotonicClock
) -> None:
    assert tracker.hint(ARN, steps=False, within=5.0)  # look within 5 s
    clock.now += 5.0
    (group,) = tracker.claim_due()
    clock.now += 0.2  # the execution finishes while that listing is in flight
    assert tracker.hint(ARN, steps=False, within=1.0)
    tracker.release(group, clock.now + SAFETY_NET)
    assert tracker.seconds_until_due() == pytest.approx(1.0)


def test_a_hint_already_covered_by_the_poll_is_not_kept(tracker: RunTracker, clock: MonotonicClock) -> None:
    assert tracker.hint(ARN, steps=False, within=0.0)
    (group,) = tracker.claim_due()
    tracker.release(group, clock.now + SAFETY_NET)
    assert tracker.seconds_until_due() == pytest.approx(SAFETY_NET)


def test_a_step_hint_for_a_run_never_listed_waits_for_its_first_look(
    tracker: RunTracker, clock: MonotonicClock
) -> None:
    tracked = tracker.get("u1")
    assert tracked is not None
    assert tracker.hint(ARN, steps=True, within=5.0)
    assert tracked.steps_unknown  # the first look lists them
    clock.now += 5.0
    assert tracker.claim_due() == []
    assert tracker.claim_steps_due() == []


@pytest.mark.parametrize(
    ("status", "due"),
    [("Executing", False), ("Succeeded", True), (None, True)],
    ids=["status-already-seen", "new-status", "no-status-in-the-event"],
)
def test_an_execution_hint_with_a_status_already_seen_is_no_news(
    tracker: RunTracker, clock: MonotonicClock, status: str | None, due: bool
) -> None:
    assert tracker.hint(ARN, steps=False, within=0.0, status=status)  # the run is tracked either way
    assert len(tracker.claim_due()) == (1 if due else 0)


def listed(tracker: RunTracker) -> TrackedRun:
    """The fixture's run, once a listing (or its start) has shown its execution."""
    tracked = tracker.get("u1")
    assert tracked is not None
    tracked.execution = Execution(ARN, "Executing")
    return tracked


def test_a_step_hint_for_a_listed_run_makes_only_its_steps_due(
    tracker: RunTracker, clock: MonotonicClock
) -> None:
    tracked = listed(tracker)
    assert tracker.hint(ARN, steps=True, within=5.0)
    assert tracker.hint(ARN, steps=True, within=5.0) and tracked.steps_unknown
    assert tracker.seconds_until_due() == pytest.approx(5.0)
    assert tracker.claim_steps_due() == []
    clock.now += 5.0
    assert tracker.claim_due() == []  # the pipeline's listing keeps its safety-net time
    assert tracker.claim_steps_due() == [tracked]
    assert tracker.claim_steps_due() == []  # handed out once, however many events asked
    assert tracker.seconds_until_due() == pytest.approx(SAFETY_NET - 5.0)


def test_a_hint_for_an_execution_nobody_tracks_says_so(tracker: RunTracker) -> None:
    assert not tracker.hint(ARN.replace("e1", "other"), steps=True, within=0.0)
    assert tracker.claim_due() == []


def test_a_hint_for_a_run_no_longer_tracked_says_so(tracker: RunTracker) -> None:
    tracker.track(executing_run("u2", ARN.replace("e1", "e2")), None)
    tracker.untrack("u1")
    assert not tracker.hint(ARN, steps=True, within=0.0)
    assert tracker.hint(ARN.replace("e1", "e2"), steps=False, within=0.0)


@pytest.mark.parametrize(
    ("status", "handed_out"),
    [("Succeeded", [("u1", "Succeeded")]), ("Stopped", [("u1", "Stopped")]), ("Executing", [])],
    ids=["succeeded", "stopped", "status-already-seen"],
)
def test_a_final_status_from_an_event_is_handed_to_the_poller_without_a_listing(
    tracker: RunTracker, status: str, handed_out: list[tuple[str, str]]
) -> None:
    assert tracker.settle(ARN, status)
    assert tracker.seconds_until_due() == (0.0 if handed_out else pytest.approx(SAFETY_NET))
    assert [(t.uid, s) for t, s in tracker.claim_settled()] == handed_out
    assert tracker.claim_settled() == []  # handed out once
    assert tracker.claim_due() == []  # the pipeline's listing keeps its safety-net time


def test_a_final_status_for_a_run_nobody_tracks_says_so(tracker: RunTracker) -> None:
    assert not tracker.settle(ARN.replace("e1", "other"), "Succeeded")
    assert tracker.settle(ARN, "Succeeded")
    tracker.untrack("u1")  # deleted before the poller wrote it: nothing is left to write
    assert tracker.claim_settled() == []
    assert not tracker.settle(ARN, "Succeeded")


def test_the_stopping_event_of_a_stop_the_operator_made_is_no_news(tracker: RunTracker) -> None:
    tracked = tracker.get("u1")
    assert tracked is not None
    stopping = tracked.run.model_copy(
        update={"status": tracked.run.status.model_copy(update={"phase": "Stopping"})}
    )
    tracked.keep(stopping)  # the stop pass wrote Stopping; the listing before it saw Executing
    assert tracker.hint(ARN, steps=False, within=0.0, status="Stopping")
    assert tracker.claim_due() == []
    assert tracker.hint(ARN, steps=False, within=0.0, status="Failed")
    assert len(tracker.claim_due()) == 1


def test_a_kick_during_a_poll_survives_the_polls_choice_of_next_look(
    tracker: RunTracker, clock: MonotonicClock
) -> None:
    """A spec change (cancel) handed to the poller while its listing is in flight is looked at
    right after, not at the safety net's time."""
    clock.now += SAFETY_NET
    (group,) = tracker.claim_due()
    clock.now += 0.5
    tracker.kick("u1")
    tracker.release(group, clock.now + SAFETY_NET)
    assert tracker.seconds_until_due() == 0.0
    assert len(tracker.claim_due()) == 1


def fresh_tracker(clock: MonotonicClock) -> RunTracker:
    """A tracker that has not seen the run yet: its start's first events may come first."""
    return RunTracker(clock)


@pytest.mark.parametrize(
    ("events", "steps_due", "listing_due", "settled"),
    [
        ([("steps", None)], True, False, []),
        ([("execution", "Executing")], False, False, []),  # what the start already said
        ([("execution", "Failed")], False, True, []),  # its reason is the listing's to tell
        ([("execution", None)], False, True, []),  # an execution's change that names no status
        ([("execution", "Succeeded")], False, False, ["Succeeded"]),
        ([("steps", None), ("execution", "Executing"), ("steps", None)], True, False, []),
    ],
    ids=["step", "executing", "failed", "no-status", "succeeded", "several"],
)
def test_events_from_before_the_run_was_tracked_are_taken_when_it_is(
    clock: MonotonicClock,
    events: list[tuple[str, str | None]],
    steps_due: bool,
    listing_due: bool,
    settled: list[str],
) -> None:
    tracker = fresh_tracker(clock)
    for kind, status in events:
        if kind == "steps":
            assert not tracker.hint(ARN, steps=True, within=0.0)
        elif status == "Succeeded":
            assert not tracker.settle(ARN, status)
        else:
            assert not tracker.hint(ARN, steps=False, within=0.0, status=status)
    clock.now += 2.0
    tracker.track(executing_run(), None, first_poll_in=SAFETY_NET, execution=Execution(ARN, "Executing"))
    assert (tracker.claim_steps_due() != []) == steps_due
    assert (tracker.claim_due() != []) == listing_due
    assert [status for _, status in tracker.claim_settled()] == settled


def test_events_from_before_tracking_expire_and_are_bounded(
    clock: MonotonicClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = fresh_tracker(clock)
    assert not tracker.hint(ARN, steps=True, within=0.0)
    clock.now += EARLY_HINT_SECONDS + 1  # nobody tracked it within the minute: another shard's
    tracker.track(executing_run(), None, first_poll_in=SAFETY_NET, execution=Execution(ARN, "Executing"))
    assert tracker.claim_steps_due() == []
    monkeypatch.setattr("sagemaker_pipelines_operator.runs.tracker.EARLY_HINTS_MAX", 3)
    for i in range(10):
        tracker.hint(ARN.replace("e1", f"other{i}"), steps=True, within=0.0)
    for i, kept in [(0, False), (6, False), (7, True), (9, True)]:  # the newest three are kept
        arn = ARN.replace("e1", f"other{i}")
        tracker.track(
            executing_run(f"u-{i}", arn),
            None,
            first_poll_in=SAFETY_NET,
            execution=Execution(arn, "Executing"),
        )
        assert (tracker.claim_steps_due() != []) == kept, f"other{i}"


TRAIN = {"StepName": "Train", "StepStatus": "Executing"}


def test_a_step_event_that_reports_its_step_is_kept_for_the_write(
    tracker: RunTracker, clock: MonotonicClock
) -> None:
    tracked = listed(tracker)
    assert tracker.hint(ARN, steps=True, within=1.0, step=TRAIN)
    assert tracker.hint(ARN, steps=True, within=1.0, step=TRAIN | {"StepStatus": "Succeeded"})
    assert not tracked.steps_unknown  # no listing is needed
    clock.now += 1.0
    assert tracker.claim_steps_due() == [tracked]
    assert [e["StepStatus"] for e in tracker.take_step_events(tracked)] == ["Executing", "Succeeded"]
    assert tracker.take_step_events(tracked) == []  # handed out once


def test_a_listing_covers_the_step_events_that_arrived_before_it(
    tracker: RunTracker, clock: MonotonicClock
) -> None:
    tracked = tracker.get("u1")
    assert tracked is not None
    tracker.hint(ARN, steps=True, within=1.0, step=TRAIN)
    clock.now += 1.0
    listing_began = clock.now
    clock.now += 0.5
    tracker.hint(ARN, steps=True, within=1.0, step=TRAIN | {"StepStatus": "Succeeded"})  # during the listing
    tracker.steps_listed(tracked, since=listing_began)
    assert [e["StepStatus"] for e in tracker.take_step_events(tracked)] == ["Succeeded"]
    assert tracked.steps_checked == clock.now and not tracked.steps_unknown


def test_too_many_step_events_for_one_run_list_its_steps_instead(
    tracker: RunTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sagemaker_pipelines_operator.runs.tracker.STEP_EVENTS_MAX", 2)
    tracked = tracker.get("u1")
    assert tracked is not None
    for _ in range(3):
        tracker.hint(ARN, steps=True, within=1.0, step=TRAIN)
    assert len(tracked.step_events) == 2 and tracked.steps_unknown


def test_step_events_from_before_the_run_was_tracked_are_written_when_it_is(clock: MonotonicClock) -> None:
    tracker = fresh_tracker(clock)
    assert not tracker.hint(ARN, steps=True, within=0.0, step=TRAIN)
    tracker.track(executing_run(), None, first_poll_in=SAFETY_NET, execution=Execution(ARN, "Executing"))
    (tracked,) = tracker.claim_steps_due()
    assert not tracked.steps_unknown
    assert tracker.take_step_events(tracked) == [TRAIN]

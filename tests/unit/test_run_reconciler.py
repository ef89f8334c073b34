"""RunReconciler through every phase transition, with Kubernetes and SageMaker in memory: each
row is a run spec and a list of (step, phase the run must be in after it). Steps are what the
operator does (a kopf pass, a poll) and what the world does (SageMaker moves, time passes, a
role is refused). Further tests pin what the table cannot say: requeues, tokens, deletions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.errors import Stalled, Transient
from sagemaker_pipelines_operator.runs.plan.run import ObservedExecution
from sagemaker_pipelines_operator.runs.plan.start import start_token
from sagemaker_pipelines_operator.runs.reconciler import Seen
from sagemaker_pipelines_operator.runtime.kube import ObjectRef
from tests.unit.run_world import (
    NAMESPACE,
    POLL,
    ROLE,
    RunWorld,
    Step,
    cancel,
    kopf,
    later,
    poll,
    ready_pipeline,
    refuse_role,
    sagemaker,
    stop_on_delete,
    vanish,
)

REF: dict[str, Any] = {"pipelineRef": {"name": "train"}}
FAILED_STEP = [
    {
        "StepName": "Train",
        "StepStatus": "Failed",
        "FailureReason": "out of memory",
        "StartTime": "2026-01-01T12:00:00Z",
        "EndTime": "2026-01-01T12:01:00Z",
    }
]
SUCCEEDED_STEP = [{"StepName": "Train", "StepStatus": "Succeeded"}]

TRANSITIONS = [
    pytest.param(REF, [(kopf, "Executing"), (poll, "Executing")], id="pending-starting-executing"),
    pytest.param(
        REF,
        [
            (kopf, "Executing"),
            (sagemaker("Succeeded", steps=SUCCEEDED_STEP), "Executing"),
            (poll, "Succeeded"),
        ],
        id="executing-succeeded",
    ),
    pytest.param(
        REF,
        [(kopf, "Executing"), (sagemaker("Failed", "boom", FAILED_STEP), "Executing"), (poll, "Failed")],
        id="executing-failed-without-retry",
    ),
    pytest.param(
        REF,
        [
            (kopf, "Executing"),
            (cancel, "Executing"),
            (poll, "Stopping"),
            (poll, "Stopping"),
            (sagemaker("Stopped"), "Stopping"),
            (poll, "Stopped"),
        ],
        id="cancel-executing-stopping-stopped",
    ),
    pytest.param(REF | {"cancel": True}, [(kopf, "Stopped")], id="cancel-before-start"),
    pytest.param(
        REF | {"retry": {"maxAttempts": 2, "backoffSeconds": 60}},
        [
            (kopf, "Executing"),
            (sagemaker("Failed", "flaky"), "Executing"),
            (poll, "Executing"),
            (later(30), "Executing"),
            (poll, "Executing"),
            (later(31), "Executing"),
            (poll, "Executing"),
            (poll, "Executing"),
            (sagemaker("Succeeded"), "Executing"),
            (poll, "Succeeded"),
        ],
        id="failed-retried-after-backoff-succeeded",
    ),
    pytest.param(
        REF | {"retry": {"maxAttempts": 3, "backoffSeconds": 1}},
        [
            (kopf, "Executing"),
            (sagemaker("Failed", "boom"), "Executing"),
            (poll, "Executing"),
            (later(2), "Executing"),
            (poll, "Executing"),
            (sagemaker("Failed", "again"), "Executing"),
            (poll, "Executing"),
            (later(2), "Executing"),
            (poll, "Executing"),
            (sagemaker("Failed", "third"), "Executing"),
            (poll, "Failed"),
        ],
        id="retries-exhausted-failed",
    ),
    pytest.param(
        REF | {"timeoutSeconds": 60},
        [
            (kopf, "Executing"),
            (poll, "Executing"),
            (later(61), "Executing"),
            (poll, "Stopping"),
            (sagemaker("Stopped"), "Stopping"),
            (poll, "Stopped"),
        ],
        id="timeout-stopping-stopped",
    ),
    pytest.param(
        REF, [(kopf, "Executing"), (refuse_role, "Executing"), (kopf, "Executing")], id="untrackable-stays"
    ),
    pytest.param(REF, [(refuse_role, "Pending"), (kopf, "Failed")], id="pending-role-refused-fails"),
    pytest.param(
        {"pipelineRef": {"name": "missing"}},
        [(kopf, "Pending"), (kopf, "Pending")],
        id="pipeline-missing-waits",
    ),
    pytest.param(
        REF | {"parameters": {"Nope": "1"}}, [(kopf, "Failed")], id="invalid-parameters-fail-before-start"
    ),
    pytest.param({"pipelineName": "not-in-sagemaker"}, [(kopf, "Failed")], id="start-refused-fails"),
    pytest.param(
        REF,
        [(kopf, "Executing"), (vanish, "Executing"), (poll, "Failed")],
        id="execution-vanished-fails",
    ),
]


@pytest.mark.parametrize(("spec", "steps"), TRANSITIONS)
def test_run_phase_transitions(spec: dict[str, Any], steps: list[tuple[Step, str]]) -> None:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(spec)
    for number, (step, phase) in enumerate(steps, start=1):
        step(world)
        assert str(world.run.status.phase or "Pending") == phase, f"after step {number} ({step.__name__})"
    assert world.sagemaker.count("start") <= 1, "one pass starts one execution at most"


def started(spec: dict[str, Any] | None = None) -> RunWorld:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(spec or REF)
    world.kopf_pass()
    return world


def test_start_writes_starting_before_calling_sagemaker() -> None:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(REF)
    world.sagemaker.fail_next["start"] = Transient(c.AWS_UNAVAILABLE, "throttled")
    result = world.kopf_pass()
    assert world.run.status.phase == "Starting", "Starting is written before the call"
    assert result.verdict.retry and result.requeue_after is not None
    assert world.run.status.execution_arn is None


def test_resumed_start_replays_the_same_token_and_finds_the_first_execution() -> None:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(REF)
    world.sagemaker.fail_next["start"] = Transient(c.AWS_UNAVAILABLE, "connection reset")
    world.kopf_pass()
    world.kopf_pass()
    world.kopf_pass()  # a third pass (the next resume) finds an Executing run and only tracks it
    tokens = [params["ClientRequestToken"] for op, params in world.sagemaker.calls if op == "start"]
    assert tokens == [start_token(str(world.ref.uid))] * 2
    assert len(world.sagemaker.executions) == 1
    assert world.run.status.phase == "Executing"


def test_a_kopf_pass_on_a_body_from_before_the_end_acts_on_the_run_as_it_is_now() -> None:
    """kopf may deliver a body minutes old (it stops waiting for its own patch after a few
    seconds): an old `Starting` must neither send the start again nor move `Succeeded` back."""
    world = RunWorld()
    world.add_pipeline()
    world.add_run(REF)
    world.kopf_pass()
    stale = world.run.model_copy(
        update={"status": world.run.status.model_copy(update={"phase": "Starting", "execution_arn": None})}
    )
    world.sagemaker.settle(world.arn, "Succeeded")
    world.poll()
    assert world.run.status.phase == "Succeeded"
    result = world.reconciler.reconcile(stale, world.now)
    assert world.run.status.phase == "Succeeded"
    assert world.sagemaker.count("start") == 1
    assert result.requeue_after is None and not result.track


def test_a_kopf_pass_for_a_run_gone_or_replaced_does_nothing() -> None:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(REF)
    old = world.run
    del world.kube.objects[("pipelineruns", NAMESPACE, "nightly")]
    assert world.reconciler.reconcile(old, world.now).run is None
    world.add_run(REF)  # a namesake: another uid
    assert world.reconciler.reconcile(old, world.now).run is None
    assert world.sagemaker.count("start") == 0 and world.run.status.phase is None


def test_started_run_is_handed_to_the_poller_at_the_fastest_poll() -> None:
    world = started()
    result = world.results[-1]
    assert (result.track, result.role, result.requeue_after) == (True, ROLE, POLL.min_seconds)
    assert result.started  # all SageMaker said is the ARN: the tracker is told so
    world.kopf_pass()  # a later pass over the same run starts nothing, and says so
    assert not world.results[-1].started
    assert world.event_reasons[:2] == [c.STARTING, c.STARTED]
    assert world.run.status.pipeline_name == "train-sm"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"pipelineRef": {"name": "missing"}}, 10.0, id="waiting-for-pipeline-at-its-delay"),
        pytest.param(REF | {"timeoutSeconds": 3600}, POLL.max_seconds, id="timeout-far-off-slowest-poll"),
        pytest.param(REF | {"timeoutSeconds": 5}, 5.0, id="timeout-soon-at-the-deadline"),
    ],
)
def test_one_requeue_decision(spec: dict[str, Any], expected: float) -> None:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(spec)
    world.kopf_pass()
    result = world.poll() if world.run.status.execution_arn else world.results[-1]
    assert result.requeue_after == pytest.approx(expected)


def test_retry_backoff_is_the_requeue_and_the_retry_call_uses_its_token() -> None:
    world = started(REF | {"retry": {"maxAttempts": 2, "backoffSeconds": 20}})
    world.sagemaker.settle(world.arn, "Failed", failure_reason="flaky")
    assert world.poll().requeue_after == pytest.approx(20.0)
    assert world.ready() == ("Unknown", c.RETRYING)
    world.later(21)
    world.poll()
    assert [p["token"] for op, p in world.sagemaker.calls if op == "retry"] == [f"retry-{world.ref.uid}-2"]
    assert world.run.status.attempts == 2
    assert c.RETRIED in world.event_reasons


def test_retry_refused_fails_the_run() -> None:
    world = started(REF | {"retry": {"maxAttempts": 2, "backoffSeconds": 1}})
    world.sagemaker.settle(world.arn, "Failed", failure_reason="flaky")
    world.poll()
    world.later(2)
    world.sagemaker.fail_next["retry"] = Stalled(c.AWS_REJECTED, "ValidationException: not retryable")
    world.poll()
    assert world.run.status.phase == "Failed"
    assert "retry refused: ValidationException" in str(world.run.status.failure_reason)


def test_timeout_is_named_in_the_final_status() -> None:
    world = started(REF | {"timeoutSeconds": 60})
    world.later(61)
    world.poll()
    world.sagemaker.settle(world.arn, "Stopped")
    world.poll()
    assert world.ready() == ("False", c.TIMEOUT)
    assert world.run.status.stop_reason == "Timeout"
    assert [op for op, _ in world.sagemaker.calls].count("stop") == 1


def test_ttl_deletes_the_finished_run_after_its_seconds() -> None:
    world = started(REF | {"ttlSecondsAfterFinished": 120})
    world.sagemaker.settle(world.arn, "Succeeded", steps=SUCCEEDED_STEP)
    finished = world.poll()
    assert finished.requeue_after is None, "a finished run is the tracker's expiry, not a requeue"
    completed = world.run.status.completion_time
    assert completed is not None and finished.delete_at == completed + timedelta(seconds=120)
    world.later(60)
    assert world.poll().run is not None and world.run_exists
    world.later(61)
    gone = world.poll()
    assert gone.run is None and not world.run_exists


def test_ttl_deletion_spares_a_namesake() -> None:
    world = started()
    stale = ObjectRef(NAMESPACE, "nightly", "uid-of-an-older-run")
    world.reconciler.writer.delete(stale)
    assert world.run_exists


@pytest.mark.parametrize(
    ("spec", "stops"),
    [
        pytest.param(REF, 1, id="stops-the-execution"),
        pytest.param(REF | {"stopOnDelete": False}, 0, id="stop-on-delete-false-leaves-it"),
    ],
)
def test_stop_on_delete(spec: dict[str, Any], stops: int) -> None:
    world = started(spec)
    stop_on_delete(world)
    assert world.sagemaker.count("stop") == stops
    assert world.sagemaker.executions[world.arn].status == ("Stopping" if stops else "Executing")


def test_stop_on_delete_of_a_run_left_starting_finds_its_execution_by_token() -> None:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(REF)
    world.sagemaker.fail_next["start"] = Transient(c.AWS_UNAVAILABLE, "timeout")  # crash stand-in
    world.kopf_pass()
    assert world.run.status.phase == "Starting"
    stop_on_delete(world)
    (execution,) = world.sagemaker.executions.values()
    assert execution.status == "Stopping"


def test_stop_on_delete_of_a_finished_execution_sends_no_stop() -> None:
    world = started()
    world.sagemaker.settle(world.arn, "Succeeded")
    stop_on_delete(world)  # the status still says Executing: SageMaker is asked first
    assert world.sagemaker.count("stop") == 0


def test_untrackable_run_is_not_failed_and_says_why() -> None:
    world = started()
    refuse_role(world)
    result = world.kopf_pass()
    assert world.run.status.phase == "Executing"
    assert world.run.status.completion_time is None
    assert world.ready() == ("False", c.NAMESPACE_NOT_ALLOWED)
    assert not result.track and result.requeue_after is not None
    world.role_error = None
    assert world.kopf_pass().track
    assert world.ready()[1] == c.EXECUTING


def test_refused_stop_is_a_warning_and_the_next_poll_decides() -> None:
    world = started()
    cancel(world)
    world.sagemaker.settle(world.arn, "Executing")
    world.sagemaker.fail_next["stop"] = Stalled(c.AWS_REJECTED, "ConflictException: already stopping")
    world.poll()
    assert world.run.status.phase == "Stopping"
    assert c.AWS_REJECTED in world.event_reasons


def test_transient_failure_while_acting_keeps_the_phase() -> None:
    world = started()
    cancel(world)
    world.sagemaker.fail_next["stop"] = Transient(c.AWS_UNAVAILABLE, "throttled")
    result = world.poll()
    assert world.run.status.phase == "Executing"
    assert result.verdict.retry
    world.poll()
    assert world.run.status.phase == "Stopping"


def test_run_deleted_while_looked_at_is_gone_not_an_error() -> None:
    world = started()
    run, arn = world.run, world.arn
    world.kube.delete("pipelineruns", world.ref)
    world.sagemaker.settle(arn, "Succeeded")
    seen = Seen(ObservedExecution(arn, status="Succeeded"), ROLE)
    result = world.reconciler.reconcile(run, world.now, seen)
    assert result.run is None
    assert not world.run_exists


def test_latest_run_is_recorded_on_the_pipeline() -> None:
    world = started()
    pipeline = world.kube.get("pipelines", NAMESPACE, "train")
    assert pipeline is not None
    assert pipeline["status"]["latestRun"] == {"name": "nightly", "phase": "Executing"}


def test_unready_pipeline_defers_the_start() -> None:
    world = RunWorld()
    body = ready_pipeline()
    body["status"]["conditions"][0]["status"] = "False"
    world.add_pipeline(body)
    world.add_run(REF)
    result = world.kopf_pass()
    assert world.run.status.phase is None or world.run.status.phase == "Pending"
    assert world.ready() == ("False", c.WAITING_FOR_PIPELINE)
    assert result.requeue_after == pytest.approx(10.0)
    assert world.sagemaker.count("start") == 0


def test_run_resumed_in_starting_whose_inputs_cannot_be_read_stays_starting() -> None:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(
        REF | {"selectiveExecution": {"steps": ["Train"], "fromRun": "earlier"}},
        status={"phase": "Starting", "pipelineName": "train-sm", "region": "us-east-1", "attempts": 1},
    )
    run = world.run
    read = world.kube.get

    def refuse_earlier(plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        if name == "earlier":
            raise Stalled(c.KUBERNETES_REJECTED, "pipelineruns ml/earlier: 403 Forbidden")
        return read(plural, namespace, name)

    world.kube.get = refuse_earlier  # type: ignore[method-assign]
    result = world.reconciler.reconcile(run, world.now)
    assert world.run.status.phase == "Starting", "an execution may exist: the run cannot be failed"
    assert world.ready() == ("False", c.KUBERNETES_REJECTED)
    assert result.requeue_after is not None
    assert world.sagemaker.count("start") == 0

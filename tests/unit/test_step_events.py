"""plan/step_events: a step's status-change event read as a step (the real event's shape), and
taken into a run's known steps only where it is news (late, repeated and reordered events)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipelinerun import ForEachProgress, RunStep
from sagemaker_pipelines_operator.runs.plan.step_events import step_entry, steps_with_events, wants_listing

EXECUTION = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/myPipeline-123/execution/p4jn9xou8a8s"
JOB = "arn:aws:sagemaker:us-east-1:123456789012:processing-job/pipelines-p4jn9xou8a8s-myprocessingstep1-x"
AWS_EXAMPLE = {
    # The detail of the example in SageMaker's "Events that SageMaker sends to EventBridge".
    "metadata": {"processingJob": {"arn": JOB}},
    "stepStartTime": "2021-03-15T16:03:14Z",
    "stepEndTime": "2021-03-15T16:10:09Z",
    "stepName": "myprocessingstep1",
    "stepType": "Processing",
    "previousStepStatus": "Executing",
    "currentStepStatus": "Succeeded",
    "pipelineArn": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/myPipeline-123",
    "pipelineExecutionArn": EXECUTION,
}
T0 = datetime(2026, 12, 4, 5, 0, tzinfo=UTC)
T1 = datetime(2026, 12, 4, 5, 10, tzinfo=UTC)


def detail(name: str = "Train", status: str = "Executing", **fields: Any) -> dict[str, Any]:
    return {"stepName": name, "currentStepStatus": status, "pipelineExecutionArn": EXECUTION, **fields}


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_aws_example_reads_as_the_step_a_listing_gives() -> None:
    entry = step_entry(AWS_EXAMPLE)
    assert entry is not None
    (step,) = steps_with_events([], [entry])
    assert step == RunStep(
        name="myprocessingstep1",
        type="Processing",
        status="Succeeded",
        start_time=datetime(2021, 3, 15, 16, 3, 14, tzinfo=UTC),
        end_time=datetime(2021, 3, 15, 16, 10, 9, tzinfo=UTC),
        job_arn=JOB,
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"stepType": "Training"}, {"type": "Training", "job_arn": None}),
        ({"metadata": {"trainingJob": {"arn": "arn:t"}}}, {"type": "Training", "job_arn": "arn:t"}),
        ({"metadata": {"emr": {"clusterId": "j-1"}}}, {"type": "EMR"}),
        (
            {"metadata": {"condition": {"outcome": "True"}}},
            {"type": "Condition", "condition_outcome": "True"},
        ),
        (
            {"metadata": {"callback": {"outputParameters": [{"name": "auc", "value": "0.91"}]}}},
            {"type": "Callback", "outputs": {"auc": "0.91"}},
        ),
        ({"metadata": {"fail": {"errorMessage": "no data"}}}, {"type": "Fail", "failure_reason": "no data"}),
        ({"failureReason": "OOM"}, {"failure_reason": "OOM"}),
        ({"metadata": {"newKindOfStep": {"arn": "arn:n"}}}, {"type": None, "job_arn": None}),
    ],
    ids=[
        "type-only",
        "job",
        "all-caps-kind",
        "condition",
        "callback-outputs",
        "fail-step",
        "reason",
        "unknown-kind",
    ],
)
def test_what_an_event_says_of_its_step(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    entry = step_entry(detail(**fields))
    assert entry is not None
    (step,) = steps_with_events([], [entry])
    assert {key: getattr(step, key) for key in expected} == expected


@pytest.mark.parametrize(
    "broken",
    [
        {"currentStepStatus": "Executing"},
        {"stepName": "", "currentStepStatus": "Executing"},
        {"stepName": "Train"},
        {"stepName": "Train", "currentStepStatus": "Exploding"},
        {"stepName": 7, "currentStepStatus": "Executing"},
    ],
    ids=["no-name", "empty-name", "no-status", "unknown-status", "name-not-a-string"],
)
def test_an_event_that_does_not_say_enough_is_no_step(broken: dict[str, Any]) -> None:
    assert step_entry(broken) is None


KNOWN = RunStep(name="Train", type="Training", status="Executing", start_time=T0, attempt=1, job_arn="arn:t")


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (detail(status="Succeeded", stepStartTime=at(T0), stepEndTime=at(T1)), ("Succeeded", 1, "arn:t")),
        (detail(status="Succeeded"), ("Succeeded", 1, "arn:t")),
        (detail(status="Executing", stepStartTime=at(T0)), ("Executing", 1, "arn:t")),
        (detail(status="Starting"), ("Executing", 1, "arn:t")),
        (detail(status="Executing", stepStartTime=at(T1)), ("Executing", None, None)),
        (detail(status="Starting", stepStartTime="2026-12-04T04:00:00Z"), ("Executing", 1, "arn:t")),
    ],
    ids=[
        "further-along",
        "further-along-without-times",
        "repeated",
        "late-start",
        "new-attempt",
        "older-attempt",
    ],
)
def test_an_event_is_taken_only_where_it_is_news(event: dict[str, Any], expected: tuple[Any, ...]) -> None:
    entry = step_entry(event)
    assert entry is not None
    (step,) = steps_with_events([KNOWN], [entry])
    assert (step.status, step.attempt, step.job_arn) == expected


def test_a_late_event_cannot_undo_a_later_one_in_the_same_batch() -> None:
    events = [
        detail(status="Succeeded", stepStartTime=at(T0)),
        detail(status="Executing", stepStartTime=at(T0)),
    ]
    entries = [e for e in map(step_entry, events) if e is not None]
    (step,) = steps_with_events([], entries)
    assert step.status == "Succeeded"


def test_steps_stay_in_start_order_and_others_are_kept() -> None:
    other = RunStep(name="Prepare", status="Succeeded", start_time=T0)
    entry = step_entry(detail("Evaluate", "Starting", stepStartTime=at(T1)))
    assert entry is not None
    assert [s.name for s in steps_with_events([other, KNOWN], [entry])] == ["Prepare", "Train", "Evaluate"]


FAN_OUT = RunStep(
    name="PerRegion",
    type="ForEach",
    status="Executing",
    for_each=ForEachProgress(items=3, total_steps=3, succeeded_steps=0, failed_steps=0, running_steps=3),
)


@pytest.mark.parametrize(
    ("known", "event", "listing"),
    [
        ([KNOWN], detail(), False),
        ([KNOWN, FAN_OUT], detail(), True),
        ([KNOWN], detail("PerRegion", stepType="ForEach"), True),
        ([KNOWN], detail("PerRegion", metadata={"forEach": {"inputItemCount": 3}}), True),
    ],
    ids=["plain-steps", "run-has-a-fan-out", "event-of-a-fan-out", "fan-out-by-metadata"],
)
def test_a_run_with_a_fan_out_lists_its_steps(
    known: list[RunStep], event: dict[str, Any], listing: bool
) -> None:
    entry = step_entry(event)
    assert entry is not None
    assert wants_listing(known, [entry]) is listing

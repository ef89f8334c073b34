"""status_hints: which execution a SageMaker status-change event (raw or SNS-wrapped) names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagemaker_pipelines_operator.runs.plan.status_events import (
    EXECUTION_CHANGE,
    STEP_CHANGE,
    Ignored,
    StatusHint,
    status_hints,
)

ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/abc123"


def event(
    detail_type: str = EXECUTION_CHANGE, source: str = "aws.sagemaker", **detail: Any
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "7e1a",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-12-02T01:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"pipelineExecutionArn": ARN, **detail},
    }


def sns(message: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "Notification", "MessageId": "m", "Message": json.dumps(message)}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (event(), [StatusHint(ARN, step_changed=False)]),
        (
            event(currentPipelineExecutionStatus="Succeeded"),
            [StatusHint(ARN, step_changed=False, status="Succeeded")],
        ),
        (
            event(STEP_CHANGE, stepName="Train", currentPipelineExecutionStatus="Executing"),
            [StatusHint(ARN, step_changed=True)],
        ),
        (
            event(STEP_CHANGE, stepName="Train", currentStepStatus="Executing", stepType="Training"),
            [
                StatusHint(
                    ARN,
                    step_changed=True,
                    step={"StepName": "Train", "StepStatus": "Executing", "EventStepType": "Training"},
                )
            ],
        ),
        (sns(event(STEP_CHANGE)), [StatusHint(ARN, step_changed=True)]),
        ("not json", Ignored("malformed")),
        ([1, 2], Ignored("malformed")),
        (event(source="aws.s3"), Ignored("not_sagemaker")),
        (event("SageMaker Training Job State Change"), Ignored("not_sagemaker")),
        (event(pipelineExecutionArn=None), Ignored("not_sagemaker")),
        (
            event(pipelineExecutionArn="arn:aws:sagemaker:us-east-1:1:training-job/x"),
            Ignored("not_sagemaker"),
        ),
        (
            {
                "Records": [
                    {
                        "eventSource": "aws:s3",
                        "eventName": "ObjectCreated:Put",
                        "s3": {"bucket": {"name": "b"}, "object": {"key": "k"}},
                    }
                ]
            },
            Ignored("not_sagemaker"),
        ),
    ],
    ids=[
        "execution-change",
        "execution-change-with-status",
        "step-change-without-the-step",
        "step-change",
        "sns-wrapped",
        "not-json",
        "not-an-object",
        "other-source",
        "other-detail-type",
        "no-execution-arn",
        "not-a-pipeline-execution",
        "s3-notification",
    ],
)
def test_status_hints(body: Any, expected: Any) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    assert status_hints(text) == expected


@pytest.mark.parametrize(
    ("hint", "settled"),
    [
        (StatusHint(ARN, step_changed=False, status="Succeeded"), "Succeeded"),
        (StatusHint(ARN, step_changed=False, status="Stopped"), "Stopped"),
        (StatusHint(ARN, step_changed=False, status="Failed"), None),  # its reason is the API's to tell
        (StatusHint(ARN, step_changed=False, status="CompletedWithFailures"), None),
        (StatusHint(ARN, step_changed=False, status="Executing"), None),
        (StatusHint(ARN, step_changed=False), None),
        (StatusHint(ARN, step_changed=True, status="Succeeded"), None),
    ],
    ids=["succeeded", "stopped", "failed", "completed-with-failures", "executing", "no-status", "step"],
)
def test_only_final_statuses_with_nothing_more_to_read_are_taken_at_the_events_word(
    hint: StatusHint, settled: str | None
) -> None:
    assert hint.settled == settled

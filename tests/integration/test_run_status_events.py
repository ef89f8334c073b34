"""Event-driven run status: the emulator sends SageMaker's status-change events to a moto SQS
queue (as an EventBridge rule with an SQS target does); the operator, polling only as a 10-minute
safety net, updates runs within seconds of each event and reads nothing else it does not need: a
success is written as its event says, without a listing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from kubernetes import client

from sagemaker_pipelines_operator.metrics import REGISTRY
from tests.fixtures.runs import Kube, calls, definition, run_manifest, slow, wait_for

SAFETY_NET_SECONDS = 600.0
"""So long that a run finishing within the test proves the events, not polling, moved it."""


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.fixture
def status_queue(sqs_client: Any, emulator: Any) -> str:
    url: str = sqs_client.create_queue(QueueName="sagemaker-status-events")["QueueUrl"]
    emulator.configure(events_queue_url=url)
    return url


def counted(outcome: str) -> float:
    return REGISTRY.get_sample_value("smpo_status_events_total", {"outcome": outcome}) or 0.0


def messages_left(sqs_client: Any, url: str) -> int:
    attributes = sqs_client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_runs_follow_status_events_with_polling_only_as_a_safety_net(
    kube: Kube, start_operator: Any, emulator: Any, status_queue: str, sqs_client: Any
) -> None:
    start_operator(
        status_events_queue_url=status_queue,
        status_events_poll_seconds=SAFETY_NET_SECONDS,
        poll_max_seconds=SAFETY_NET_SECONDS,
    )
    kube.ready_pipeline(
        definition_doc=definition(
            slow("Prep", 2),
            slow("Train", 2, "Training", depends_on=["Prep"]),
            slow("Evaluate", 2, depends_on=["Train"]),
            slow("Register", 2, depends_on=["Evaluate"]),
        )
    )
    applied_before, listings_before = counted("applied"), calls(emulator, "ListPipelineExecutions")
    # Not every message on the queue is SageMaker's: these are counted and deleted, nothing else.
    malformed_before, foreign_before = counted("malformed"), counted("not_sagemaker")
    foreign = {"version": "0", "id": "x", "source": "aws.s3", "detail-type": "Object Created", "detail": {}}
    sqs_client.send_message(QueueUrl=status_queue, MessageBody="not json")
    sqs_client.send_message(QueueUrl=status_queue, MessageBody=json.dumps(foreign))

    started = time.monotonic()
    kube.create(run_manifest("by-events"))
    wait_for(
        lambda: any(
            step.get("name") == "Register" and step.get("status") == "Executing"
            for step in kube.status("PipelineRun", "by-events").get("steps") or []
        ),
        timeout=60,
        what="the last step Executing in status",
    )
    listings_while_last_step = calls(emulator, "ListPipelineExecutions")
    # Every step so far was written as its events said (decision 76): no step listing, and the
    # job ARN comes from the event's metadata.
    assert calls(emulator, "ListPipelineExecutionSteps") == 0
    train = next(s for s in kube.status("PipelineRun", "by-events")["steps"] if s["name"] == "Train")
    assert train["type"] == "Training" and ":training-job/" in train["jobArn"]
    status = kube.wait_phase("by-events", "Succeeded", timeout=60)
    took = time.monotonic() - started
    # The Succeeded event is final and complete: it is written as it says (decision 75).
    assert calls(emulator, "ListPipelineExecutions") == listings_while_last_step
    ended = wait_for(
        lambda: (
            (s := kube.status("PipelineRun", "by-events")).get("steps")
            and all(step.get("status") == "Succeeded" for step in s["steps"])
            and s
        ),
        timeout=30,
        what="every step Succeeded in status",
    )
    assert [step["name"] for step in ended["steps"]] == ["Prep", "Train", "Evaluate", "Register"]
    listings = calls(emulator, "ListPipelineExecutions") - listings_before
    steps_calls = calls(emulator, "ListPipelineExecutionSteps")
    applied = counted("applied") - applied_before
    print(
        f"\nevent-driven run of 4 x 2 s steps: Succeeded {took:.1f} s after apply (safety net"
        f" {SAFETY_NET_SECONDS:.0f} s); {listings} ListPipelineExecutions, {steps_calls}"
        f" ListPipelineExecutionSteps, {applied:.0f} events applied"
    )
    assert status["phase"] == "Succeeded"
    assert took < SAFETY_NET_SECONDS / 10, "the run finished by polling, not by its events"
    assert applied >= 2  # at least the execution's Executing and Succeeded
    # Cost follows changes, and a step's change costs no call: the start said Executing, its
    # events (kept if they came before the run was tracked) carry the rest, and the success is
    # written as its event says, so nothing lists the pipeline. One listing is allowed for a pass
    # kopf repeats under load before the poller's copy was written (decision 71). The final steps
    # are listed once, for the record a lost event cannot spoil.
    assert listings <= 1, f"{listings} listings: events made the pipeline's listing due"
    assert steps_calls == 1, f"{steps_calls} step listings: the step events were not written as they say"
    wait_for(lambda: counted("malformed") >= malformed_before + 1, what="the garbage message counted")
    wait_for(lambda: counted("not_sagemaker") >= foreign_before + 1, what="the S3 event counted")
    wait_for(lambda: messages_left(sqs_client, status_queue) == 0, what="every message deleted")


def test_a_cancelled_run_is_stopped_by_its_event_without_listing_the_pipeline(
    kube: Kube, start_operator: Any, emulator: Any, status_queue: str
) -> None:
    start_operator(
        status_events_queue_url=status_queue,
        status_events_poll_seconds=SAFETY_NET_SECONDS,
        poll_max_seconds=SAFETY_NET_SECONDS,
    )
    kube.ready_pipeline(definition_doc=definition(slow("Long", 300)))
    kube.create(run_manifest("cancelled-by-events"))
    kube.wait_phase("cancelled-by-events", "Executing", timeout=60)
    listings = calls(emulator, "ListPipelineExecutions")
    started = time.monotonic()
    kube.patch("PipelineRun", "cancelled-by-events", {"spec": {"cancel": True}})
    status = kube.wait_phase("cancelled-by-events", "Stopped", timeout=60)
    took = time.monotonic() - started
    print(f"\ncancel -> Stopped by its event in {took:.1f} s (safety net {SAFETY_NET_SECONDS:.0f} s)")
    assert status["stopReason"] == "Cancelled"
    assert took < SAFETY_NET_SECONDS / 10, "the run was stopped by polling, not by its event"
    # The cancel's own pass may list once before it stops; the Stopped event costs no listing.
    assert calls(emulator, "ListPipelineExecutions") - listings <= 1

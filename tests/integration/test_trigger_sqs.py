"""PipelineTrigger with an SQS source, end to end on real components: moto's S3 sends its event
notification to moto's SQS queue, the operator (in-process, real kube-apiserver) long-polls the
queue, creates the PipelineRun, and the emulator executes it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kubernetes import client

from sagemaker_pipelines_operator.metrics import REGISTRY
from tests.fixtures.pipelines import parameter
from tests.fixtures.runs import GROUP, VERSION, Kube, definition, wait_for

TRIGGER_UID_LABEL = "sagemaker.pipelines.dev/trigger-uid"
BUCKET = "training-data"


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.fixture
def queue(sqs_client: Any, s3_client: Any) -> str:
    """A queue that the bucket's ObjectCreated notifications go to (as `aws s3api
    put-bucket-notification-configuration` sets it up); S3's test event is drained."""
    url: str = sqs_client.create_queue(QueueName="data-events", Attributes={"VisibilityTimeout": "2"})[
        "QueueUrl"
    ]
    arn = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3_client.create_bucket(Bucket=BUCKET)
    s3_client.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    return url


def trigger_manifest(queue_url: str, name: str = "on-upload", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineTrigger",
        "metadata": {"name": name},
        "spec": {
            "source": {"sqs": {"queueUrl": queue_url, "waitTimeSeconds": 1}},
            "runTemplate": {
                "metadata": {"labels": {"team": "ml"}},
                "spec": {"pipelineRef": {"name": "train"}},
            },
            **spec,
        },
    }


def runs_of(kube: Kube, trigger: str = "on-upload") -> list[dict[str, Any]]:
    uid = kube.get("PipelineTrigger", trigger)["metadata"]["uid"]  # type: ignore[index]
    return [
        r for r in kube.list("PipelineRun") if r["metadata"].get("labels", {}).get(TRIGGER_UID_LABEL) == uid
    ]


def messages_left(sqs_client: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def counted(namespace: str, trigger: str, outcome: str) -> float:
    labels = {"namespace": namespace, "trigger": trigger, "outcome": outcome}
    return REGISTRY.get_sample_value("smpo_trigger_events_total", labels) or 0.0


def eventbridge(event_id: str, time: datetime) -> str:
    return json.dumps(
        {
            "version": "0",
            "id": event_id,
            "detail-type": "FeatureTableUpdated",
            "source": "com.example.ingest",
            "account": "123456789012",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": [],
            "detail": {"table": "users"},
        }
    )


def send_all(sqs_client: Any, url: str, bodies: list[str]) -> None:
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])]
        result = sqs_client.send_message_batch(QueueUrl=url, Entries=entries)
        assert not result.get("Failed"), result["Failed"]


@pytest.mark.usefixtures("operator")
def test_uploaded_object_starts_one_run_that_succeeds(
    kube: Kube, queue: str, s3_client: Any, sqs_client: Any, namespace: str
) -> None:
    kube.ready_pipeline(definition_doc=definition(parameters=[parameter("Dataset", default="s3://d")]))
    parameters = {"Dataset": "join('', ['s3://', s3.bucket, '/', s3.key])"}
    kube.create(trigger_manifest(queue, filter={"s3": {"prefix": "incoming/"}}, parameters=parameters))
    wait_for(lambda: kube.condition("PipelineTrigger", "on-upload", "Ready").get("reason") == "Listening")

    s3_client.put_object(Bucket=BUCKET, Key="incoming/day 1.csv", Body=b"a,b\n1,2\n")
    s3_client.put_object(Bucket=BUCKET, Key="scratch/ignored.csv", Body=b"x")
    (run,) = wait_for(lambda: runs_of(kube), what="a run for the upload")
    assert run["spec"]["parameters"] == {"Dataset": "s3://training-data/incoming/day 1.csv"}
    assert run["metadata"]["labels"]["team"] == "ml"
    owner = run["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("PipelineTrigger", "on-upload", True)
    kube.wait_phase(run["metadata"]["name"], "Succeeded")

    status = wait_for(
        lambda: (s := kube.status("PipelineTrigger", "on-upload")).get("counts", {}).get("filtered") and s,
        what="the filtered upload counted",
    )
    counts = status["counts"]
    assert (counts["started"], counts["matched"], counts["filtered"]) == (1, 1, 1)
    assert (status["runs"], status["lastRun"], status["source"]) == (1, run["metadata"]["name"], "sqs")
    wait_for(lambda: messages_left(sqs_client, queue) == 0, what="both messages deleted")
    assert [r for _, r, m in kube.events("on-upload") if "incoming/day 1.csv" in m] == ["Triggered"]
    assert counted(namespace, "on-upload", "started") == 1
    assert len(runs_of(kube)) == 1


@pytest.mark.usefixtures("operator")
def test_redelivered_events_start_one_run_each(
    kube: Kube, queue: str, sqs_client: Any, namespace: str
) -> None:
    kube.ready_pipeline()
    kube.create(trigger_manifest(queue, concurrencyPolicy="Allow"))
    now = datetime.now(UTC)
    bodies = [eventbridge(f"ev-{i}", now) for i in range(4)] * 3  # at-least-once: each event thrice
    send_all(sqs_client, queue, bodies)
    wait_for(
        lambda: kube.status("PipelineTrigger", "on-upload").get("counts", {}).get("received") == 12,
        what="all 12 deliveries counted",
    )
    assert len(runs_of(kube)) == 4
    counts = kube.status("PipelineTrigger", "on-upload")["counts"]
    assert (counts["started"], counts["deduplicated"]) == (4, 8)
    assert counted(namespace, "on-upload", "deduplicated") == 8
    wait_for(lambda: messages_left(sqs_client, queue) == 0, what="every delivery deleted")


@pytest.mark.usefixtures("operator")
def test_burst_of_1000_events_with_debounce_starts_one_run_per_window(
    kube: Kube, queue: str, sqs_client: Any, namespace: str
) -> None:
    """1,000 events spread over five 60-second windows (by their own event time): five runs."""
    kube.ready_pipeline()
    spec = {"concurrencyPolicy": "Allow", "debounce": {"windowSeconds": 60}, "successfulRunsHistoryLimit": 10}
    kube.create(trigger_manifest(queue, **spec))
    start = datetime.fromtimestamp((int(datetime.now(UTC).timestamp()) // 60) * 60, UTC)
    bodies = [eventbridge(f"burst-{i}", start + timedelta(seconds=i * 0.3)) for i in range(1000)]
    began = time.monotonic()
    send_all(sqs_client, queue, bodies)
    print(f"\nsent 1000 messages in {time.monotonic() - began:.1f}s")
    wait_for(
        lambda: kube.status("PipelineTrigger", "on-upload").get("counts", {}).get("received") == 1000,
        timeout=300,  # moto answers slowly on a loaded machine; the figures are printed
        what="1000 events counted",
    )
    print(f"1000 events decided {time.monotonic() - began:.1f}s after the first was sent")
    assert len(runs_of(kube)) == 5
    counts = kube.status("PipelineTrigger", "on-upload")["counts"]
    assert (counts["started"], counts["deduplicated"]) == (5, 995)
    wait_for(lambda: messages_left(sqs_client, queue) == 0, what="every message deleted")


@pytest.mark.usefixtures("operator")
def test_malformed_messages_are_counted_reported_and_left_for_the_redrive_policy(
    kube: Kube, queue: str, sqs_client: Any, namespace: str
) -> None:
    kube.ready_pipeline()
    kube.create(trigger_manifest(queue))
    junk = ["garbage", json.dumps({"hello": "world"}), "{" * 200_000]
    for body in junk:
        sqs_client.send_message(QueueUrl=queue, MessageBody=body)
    wait_for(
        lambda: (
            kube.status("PipelineTrigger", "on-upload")
            .get("counts", {})
            .get("dropped", {})
            .get("Malformed", 0)
            >= 3
        ),
        what="three malformed messages counted",
    )
    assert counted(namespace, "on-upload", "dropped_malformed") >= 3
    reasons = [m for _, r, m in kube.events("on-upload") if r == "EventDropped"]
    assert any("not JSON" in m for m in reasons) and any("neither an S3" in m for m in reasons)
    # The operator is alive and the queue still serves: a good event after the junk starts a run.
    sqs_client.send_message(QueueUrl=queue, MessageBody=eventbridge("canary", datetime.now(UTC)))
    wait_for(lambda: runs_of(kube), what="the canary's run")
    assert kube.condition("PipelineTrigger", "on-upload", "Ready")["status"] == "True"
    # Nothing was deleted: the queue's redrive policy decides what becomes of them.
    wait_for(lambda: messages_left(sqs_client, queue) == 3, what="the three malformed messages kept")


def sqs_calls(operation: str, outcome: str) -> float:
    labels = {"operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("smpo_sqs_requests_total", labels) or 0.0


@pytest.mark.usefixtures("operator")
def test_sqs_calls_are_counted_by_operation_and_outcome(kube: Kube, queue: str, sqs_client: Any) -> None:
    received, deleted = sqs_calls("ReceiveMessage", "success"), sqs_calls("DeleteMessageBatch", "success")
    refused = sqs_calls("ReceiveMessage", "client_error")
    kube.ready_pipeline()
    kube.create(trigger_manifest(queue))
    sqs_client.send_message(QueueUrl=queue, MessageBody=eventbridge("counted", datetime.now(UTC)))
    wait_for(lambda: runs_of(kube), what="the event's run")
    wait_for(lambda: messages_left(sqs_client, queue) == 0, what="the message deleted")
    assert sqs_calls("ReceiveMessage", "success") > received
    assert sqs_calls("DeleteMessageBatch", "success") == deleted + 1
    assert REGISTRY.get_sample_value(
        "smpo_sqs_request_duration_seconds_count", {"operation": "DeleteMessageBatch"}
    )

    missing = queue.rsplit("/", 1)[0] + "/no-such-queue"
    kube.create(trigger_manifest(missing, name="on-nothing"))
    wait_for(
        lambda: kube.condition("PipelineTrigger", "on-nothing", "Ready").get("status") == "False",
        what="the trigger on a missing queue not Ready",
    )
    assert sqs_calls("ReceiveMessage", "client_error") > refused

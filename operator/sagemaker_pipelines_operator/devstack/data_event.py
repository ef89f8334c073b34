"""The demo's data-event loop: a bucket whose uploads notify an SQS queue (both in moto), a
PipelineTrigger on that queue, and one upload that becomes a retraining run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.devstack.progress import EXPECTED_PHASE_ANNOTATION

BUCKET = "smpo-demo-training-data"
QUEUE = "smpo-demo-data-events"
TRIGGER = "recsys-retrain-on-upload"
PIPELINE = "recsys-retraining"


def _client(service: str, moto_url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
    )


def create_bucket_and_queue(moto_url: str) -> str:
    """The bucket, the queue and the bucket notification to it (as `docs/triggers.md` sets them up
    in AWS); returns the queue URL."""
    sqs, s3 = _client("sqs", moto_url), _client("s3", moto_url)
    url: str = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.create_bucket(Bucket=BUCKET)
    events = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=events)
    return url


def trigger_manifest(queue_url: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineTrigger",
        "metadata": {"name": TRIGGER},
        "spec": {
            "source": {"sqs": {"queueUrl": queue_url, "waitTimeSeconds": 2}},
            "filter": {"s3": {"prefix": "interactions/", "suffix": ".parquet"}},
            "parameters": {"InteractionsUri": "join('', ['s3://', s3.bucket, '/', s3.key])"},
            "debounce": {"windowSeconds": 300},
            "runTemplate": {
                "metadata": {"annotations": {EXPECTED_PHASE_ANNOTATION: "Succeeded"}},
                "spec": {"pipelineRef": {"name": PIPELINE}, "parameters": {"Epochs": "2"}},
            },
        },
    }


def upload_interactions(moto_url: str) -> str:
    """Upload a day of (made-up) interaction data; returns its s3:// URI."""
    key = f"interactions/{datetime.now(UTC):%Y-%m-%d}.parquet"
    _client("s3", moto_url).put_object(Bucket=BUCKET, Key=key, Body=b"PAR1 demo interactions PAR1")
    return f"s3://{BUCKET}/{key}"

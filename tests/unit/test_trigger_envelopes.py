"""What arrives on a trigger's queue: S3 notifications, EventBridge events, SNS-wrapped ones, junk."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.reconcile.envelopes import (
    BODY_MAX_BYTES,
    Malformed,
    Unwrapped,
    unwrap_message,
)

S3_RECORD = {
    "eventVersion": "2.1",
    "eventSource": "aws:s3",
    "awsRegion": "eu-west-1",
    "eventTime": "2026-12-01T10:00:00.000Z",
    "eventName": "ObjectCreated:Put",
    "responseElements": {"x-amz-request-id": "REQ1"},
    "s3": {
        "bucket": {"name": "training-data"},
        "object": {"key": "incoming/day+1/part%3D0.parquet", "size": 42, "eTag": "abc", "sequencer": "0A1"},
    },
}
S3_NOTIFICATION = {"Records": [S3_RECORD]}
EVENTBRIDGE_S3 = {
    "version": "0",
    "id": "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": "Object Created",
    "source": "aws.s3",
    "account": "123456789012",
    "time": "2026-12-01T10:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:s3:::training-data"],
    "detail": {"bucket": {"name": "training-data"}, "object": {"key": "incoming/a.parquet", "size": 7}},
}
EVENTBRIDGE_CUSTOM = {
    "version": "0",
    "id": "e-1",
    "detail-type": "FeatureStoreIngested",
    "source": "com.example.ingest",
    "time": "2026-12-01T10:00:00Z",
    "detail": {"table": "users", "rows": 1000},
}


def sns(message: Any) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": "m-1",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:data",
        "Message": message if isinstance(message, str) else json.dumps(message),
    }


@pytest.mark.parametrize(
    ("body", "ids", "keys"),
    [
        pytest.param(
            S3_NOTIFICATION,
            ["s3:training-data/incoming/day 1/part=0.parquet:ObjectCreated:Put:0A1"],
            ["incoming/day 1/part=0.parquet"],
            id="s3-notification-key-url-decoded",
        ),
        pytest.param(
            {"Records": [S3_RECORD, {**S3_RECORD, "s3": {**S3_RECORD["s3"], "object": {"key": "b"}}}]},
            None,
            ["incoming/day 1/part=0.parquet", "b"],
            id="s3-two-records",
        ),
        pytest.param(
            EVENTBRIDGE_S3,
            ["eventbridge:17793124-05d4-b198-2fde-7ededc63b103"],
            ["incoming/a.parquet"],
            id="eventbridge-object-created",
        ),
        pytest.param(EVENTBRIDGE_CUSTOM, ["eventbridge:e-1"], [None], id="eventbridge-custom"),
        pytest.param(sns(S3_NOTIFICATION), None, ["incoming/day 1/part=0.parquet"], id="sns-wrapped-s3"),
        pytest.param(sns(EVENTBRIDGE_CUSTOM), ["eventbridge:e-1"], [None], id="sns-wrapped-eventbridge"),
        pytest.param(
            {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "training-data"},
            [],
            [],
            id="s3-test-event-has-no-events",
        ),
    ],
)
def test_envelope_is_recognised_and_unwrapped(
    body: Any, ids: list[str] | None, keys: list[str | None]
) -> None:
    result = unwrap_message(json.dumps(body))
    assert isinstance(result, Unwrapped), result
    if ids is not None:
        assert [e.id for e in result.events] == ids
    assert [e.s3_key for e in result.events] == keys


def test_event_document_offers_s3_view_and_native_event() -> None:
    result = unwrap_message(json.dumps(sns(S3_NOTIFICATION)))
    assert isinstance(result, Unwrapped)
    (event,) = result.events
    assert event.document["s3"] == {
        "bucket": "training-data",
        "key": "incoming/day 1/part=0.parquet",
        "size": 42,
        "etag": "abc",
    }
    assert event.document["event"]["eventName"] == "ObjectCreated:Put"
    assert event.document["source"] == "s3"
    assert event.time == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert event.detail == "s3://training-data/incoming/day 1/part=0.parquet (ObjectCreated:Put)"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param("hello", "not JSON", id="garbage"),
        pytest.param(b"\xff\xfe\x00", "not JSON", id="binary"),
        pytest.param("[1, 2]", "expected a JSON object, got list", id="json-list"),
        pytest.param('{"hello": "world"}', "neither an S3 event notification", id="wrong-envelope"),
        pytest.param('{"Records": []}', "without Records", id="no-records"),
        pytest.param('{"Records": [{"s3": {}}]}', "record 0 has no s3.bucket.name", id="record-without-s3"),
        pytest.param(
            json.dumps(sns("not json")), "SNS notification whose Message is not JSON", id="sns-junk"
        ),
        pytest.param(json.dumps(sns({"a": 1})), "neither an S3 event notification", id="sns-wrong-envelope"),
        pytest.param(
            json.dumps({**EVENTBRIDGE_CUSTOM, "detail": "x"}),
            "neither an S3",
            id="eventbridge-detail-not-object",
        ),
        pytest.param("x" * (BODY_MAX_BYTES + 1), "larger than", id="huge-body"),
        pytest.param(json.dumps({"Records": [S3_RECORD] * 101}), "more than 100", id="too-many-records"),
    ],
)
def test_malformed_message_says_why(body: str | bytes, reason: str) -> None:
    result = unwrap_message(body)
    assert isinstance(result, Malformed)
    assert reason in result.reason


def test_s3_record_without_sequencer_falls_back_to_request_id() -> None:
    obj = {"key": "k", "size": 1}
    record = {**S3_RECORD, "s3": {"bucket": {"name": "b"}, "object": obj}}
    result = unwrap_message(json.dumps({"Records": [record]}))
    assert isinstance(result, Unwrapped)
    assert result.events[0].id == "s3:b/k:ObjectCreated:Put:REQ1"

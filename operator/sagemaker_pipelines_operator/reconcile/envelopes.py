"""Recognises and unwraps what arrives on a trigger's queue: S3 event notifications, EventBridge
events, and either of them wrapped by SNS; anything else is Malformed (left for the redrive policy).

Pure: a message body in, TriggerEvents (or the reason it is malformed) out.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

_FRACTION = re.compile(r"(\.\d+)")
BODY_MAX_BYTES = 262_144
"""SQS's own message limit (256 KiB); a longer body is not something S3 or EventBridge sent."""
RECORDS_MAX = 100


@dataclass(frozen=True)
class TriggerEvent:
    """One event, whatever its source: an id to derive the run name from, and the event document
    that filters and parameter expressions (JMESPath) read."""

    id: str
    time: datetime | None
    document: dict[str, Any]
    detail: str
    """Short human description (the S3 object, the alert, the upstream run) for status and Events."""
    s3_key: str | None = None


@dataclass(frozen=True)
class Malformed:
    """A message that is not an event this operator understands."""

    reason: str


@dataclass(frozen=True)
class Unwrapped:
    """The events of one message (none for S3's test event)."""

    events: tuple[TriggerEvent, ...] = field(default_factory=tuple)


def unwrap_message(body: str | bytes) -> Unwrapped | Malformed:
    """The events in one SQS message body."""
    size = len(body.encode() if isinstance(body, str) else body)
    if size > BODY_MAX_BYTES:
        return Malformed(f"message body of {size} bytes is larger than {BODY_MAX_BYTES}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Malformed("message body is not JSON")
    if _is_sns(data):
        try:
            data = json.loads(data["Message"])
        except (ValueError, TypeError):
            return Malformed("SNS notification whose Message is not JSON")
    return unwrap_event(data)


def unwrap_event(data: Any) -> Unwrapped | Malformed:
    """The events of an unwrapped S3 notification or EventBridge event."""
    if not isinstance(data, Mapping):
        return Malformed(f"expected a JSON object, got {type(data).__name__}")
    if data.get("Event") == "s3:TestEvent":
        return Unwrapped()  # S3 sends it once when a notification is configured
    if "Records" in data:
        return _s3_records(data["Records"])
    if _is_eventbridge(data):
        return Unwrapped((_eventbridge(data),))
    return Malformed("neither an S3 event notification, an EventBridge event nor an SNS notification")


def _is_sns(data: Any) -> bool:
    return isinstance(data, Mapping) and data.get("Type") == "Notification" and "Message" in data


def _is_eventbridge(data: Mapping[str, Any]) -> bool:
    return all(isinstance(data.get(k), str) for k in ("id", "source", "detail-type")) and isinstance(
        data.get("detail"), Mapping
    )


def _s3_records(records: Any) -> Unwrapped | Malformed:
    if not isinstance(records, list) or not records:
        return Malformed("S3 notification without Records")
    if len(records) > RECORDS_MAX:
        return Malformed(f"S3 notification with {len(records)} records (more than {RECORDS_MAX})")
    events = []
    for index, record in enumerate(records):
        event = _s3_record(record)
        if event is None:
            return Malformed(f"S3 notification record {index} has no s3.bucket.name and s3.object.key")
        events.append(event)
    return Unwrapped(tuple(events))


def _s3_record(record: Any) -> TriggerEvent | None:
    s3 = record.get("s3") if isinstance(record, Mapping) else None
    bucket = _dig(s3, "bucket", "name")
    raw_key = _dig(s3, "object", "key")
    if not isinstance(bucket, str) or not isinstance(raw_key, str):
        return None
    key = unquote_plus(raw_key)  # S3 notifications URL-encode keys ("+" for spaces)
    obj: Mapping[str, Any] = s3["object"] if isinstance(s3, Mapping) else {}
    # The sequencer orders events per key; with bucket, key and event name it names one event.
    token = obj.get("sequencer") or _dig(record, "responseElements", "x-amz-request-id") or _digest(record)
    event_id = f"s3:{bucket}/{key}:{record.get('eventName', '')}:{token}"
    s3_view = {"bucket": bucket, "key": key, "size": obj.get("size"), "etag": obj.get("eTag")}
    return TriggerEvent(
        id=event_id,
        time=event_time(record.get("eventTime")),
        document=_document(event_id, record.get("eventTime"), "s3", record, s3_view),
        detail=f"s3://{bucket}/{key} ({record.get('eventName', 'event')})",
        s3_key=key,
    )


def _eventbridge(data: Mapping[str, Any]) -> TriggerEvent:
    detail = data["detail"]
    bucket, key = _dig(detail, "bucket", "name"), _dig(detail, "object", "key")
    s3_view = None
    if data.get("source") == "aws.s3" and isinstance(bucket, str) and isinstance(key, str):
        obj = detail["object"]
        s3_view = {"bucket": bucket, "key": key, "size": obj.get("size"), "etag": obj.get("etag")}
    event_id = f"eventbridge:{data['id']}"
    about = f"s3://{bucket}/{key}" if s3_view else data["source"]
    return TriggerEvent(
        id=event_id,
        time=event_time(data.get("time")),
        document=_document(event_id, data.get("time"), "eventbridge", dict(data), s3_view),
        detail=f"{about} ({data['detail-type']})",
        s3_key=key if s3_view else None,
    )


def _document(
    event_id: str, time: Any, source: str, native: Mapping[str, Any], s3: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {"id": event_id, "time": time, "source": source, "s3": dict(s3) if s3 else None, "event": native}


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:32]


def event_time(value: Any) -> datetime | None:
    """An RFC 3339 time with a zone, else None."""
    if not isinstance(value, str):
        return None
    # Go writes nanoseconds (Alertmanager's startsAt); Python reads at most microseconds.
    text = _FRACTION.sub(lambda m: m.group(1)[:7], value.replace("Z", "+00:00"))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None

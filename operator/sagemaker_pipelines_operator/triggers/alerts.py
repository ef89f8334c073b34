"""Alertmanager's webhook payload (version 4) as trigger events: every firing alert whose labels
match the selector is an event, named by the group key, the alert and its start time, so the
repeated notifications of one firing episode name one run. Resolved alerts start nothing.

Pure: the payload in, events (and the alerts passed over) out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.reconcile.envelopes import Malformed, TriggerEvent, event_time
from sagemaker_pipelines_operator.triggers.matching import labels_match

PAYLOAD_VERSION = "4"
ALERTS_MAX = 1000


@dataclass(frozen=True)
class AlertBatch:
    events: tuple[TriggerEvent, ...]
    """Firing alerts that match: candidates for runs."""
    passed_over: tuple[TriggerEvent, ...]
    """Resolved alerts and alerts whose labels do not match (counted as filtered)."""


def alert_events(payload: Any, match_labels: Mapping[str, str]) -> AlertBatch | Malformed:
    if not isinstance(payload, Mapping):
        return Malformed("webhook body is not a JSON object")
    if str(payload.get("version")) != PAYLOAD_VERSION:
        return Malformed(f"webhook payload version {payload.get('version')!r}, expected {PAYLOAD_VERSION!r}")
    alerts, group_key = payload.get("alerts"), payload.get("groupKey")
    if not isinstance(alerts, list) or not isinstance(group_key, str):
        return Malformed("webhook payload without alerts or groupKey")
    if len(alerts) > ALERTS_MAX:
        return Malformed(f"webhook payload with {len(alerts)} alerts (more than {ALERTS_MAX})")
    events: list[TriggerEvent] = []
    passed_over: list[TriggerEvent] = []
    for index, alert in enumerate(alerts):
        if not isinstance(alert, Mapping) or not isinstance(alert.get("labels"), Mapping):
            return Malformed(f"alert {index} has no labels")
        event = _event(payload, group_key, alert)
        firing = alert.get("status") == "firing"
        (events if firing and labels_match(match_labels, alert["labels"]) else passed_over).append(event)
    return AlertBatch(tuple(events), tuple(passed_over))


def _event(payload: Mapping[str, Any], group_key: str, alert: Mapping[str, Any]) -> TriggerEvent:
    labels = alert["labels"]
    fingerprint = alert.get("fingerprint") or _fingerprint(labels)
    starts = alert.get("startsAt")
    event_id = f"alertmanager:{group_key}:{fingerprint}:{starts}"
    document = {
        "id": event_id,
        "time": starts,
        "source": "alertmanager",
        "alert": dict(alert),
        "groupKey": group_key,
        "receiver": payload.get("receiver"),
        "groupLabels": payload.get("groupLabels"),
        "commonLabels": payload.get("commonLabels"),
        "commonAnnotations": payload.get("commonAnnotations"),
        "externalURL": payload.get("externalURL"),
    }
    name = labels.get("alertname", "alert")
    return TriggerEvent(
        id=event_id,
        time=event_time(starts),
        document=document,
        detail=f"alert {name} {alert.get('status', '')} since {starts}",
    )


def _fingerprint(labels: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]

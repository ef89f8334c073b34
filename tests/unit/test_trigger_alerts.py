"""Alertmanager webhook payloads (version 4) as trigger events: firing and matching start runs,
resolved do not, repeated notifications of one episode name one event."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.reconcile.envelopes import Malformed
from sagemaker_pipelines_operator.triggers.alerts import AlertBatch, alert_events


def alert(
    status: str = "firing", starts: str = "2026-12-01T10:00:00.123456789Z", **labels: str
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "ModelQualityLow", "model": "fraud", **labels},
        "annotations": {"summary": "AUC below 0.9"},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": "f" + labels.get("model", "fraud"),
    }


def payload(*alerts: dict[str, Any], version: str = "4") -> dict[str, Any]:
    return {
        "version": version,
        "groupKey": '{}:{alertname="ModelQualityLow"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "retraining",
        "groupLabels": {"alertname": "ModelQualityLow"},
        "commonLabels": {"alertname": "ModelQualityLow"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


@pytest.mark.parametrize(
    ("alerts", "selector", "events", "passed_over"),
    [
        pytest.param([alert()], {"alertname": "ModelQualityLow"}, 1, 0, id="firing-matching"),
        pytest.param(
            [alert("resolved")], {"alertname": "ModelQualityLow"}, 0, 1, id="resolved-starts-nothing"
        ),
        pytest.param([alert()], {"model": "churn"}, 0, 1, id="labels-do-not-match"),
        pytest.param(
            [alert(), alert(model="churn")], {"alertname": "ModelQualityLow"}, 2, 0, id="two-alerts"
        ),
        pytest.param([alert(), alert("resolved", model="churn")], {}, 1, 1, id="mixed"),
    ],
)
def test_firing_alerts_matching_the_selector_are_events(
    alerts: list[dict[str, Any]], selector: dict[str, str], events: int, passed_over: int
) -> None:
    batch = alert_events(payload(*alerts), selector)
    assert isinstance(batch, AlertBatch)
    assert (len(batch.events), len(batch.passed_over)) == (events, passed_over)


def test_repeated_notification_names_the_same_event_and_a_new_episode_another() -> None:
    first = alert_events(payload(alert()), {})
    again = alert_events(payload(alert()), {})
    later = alert_events(payload(alert(starts="2026-12-01T11:00:00Z")), {})
    assert isinstance(first, AlertBatch) and isinstance(again, AlertBatch) and isinstance(later, AlertBatch)
    assert first.events[0].id == again.events[0].id != later.events[0].id
    assert first.events[0].id.startswith('alertmanager:{}:{alertname="ModelQualityLow"}:ffraud:')


def test_event_document_exposes_the_alert_for_parameters() -> None:
    batch = alert_events(payload(alert()), {})
    assert isinstance(batch, AlertBatch)
    event = batch.events[0]
    assert event.document["alert"]["labels"]["model"] == "fraud"
    assert event.document["receiver"] == "retraining"
    assert event.time is not None and event.time.microsecond == 123456


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param([1], "not a JSON object", id="list"),
        pytest.param(payload(alert(), version="3"), "version '3'", id="old-version"),
        pytest.param({"version": "4", "alerts": []}, "without alerts or groupKey", id="no-group-key"),
        pytest.param(payload({"status": "firing"}), "alert 0 has no labels", id="alert-without-labels"),
    ],
)
def test_malformed_payload_says_why(body: Any, reason: str) -> None:
    result = alert_events(body, {})
    assert isinstance(result, Malformed)
    assert reason in result.reason

"""schedule_pass through the in-memory Kubernetes seam: what a pass creates, cancels, deletes
and writes, and what it writes when it cannot finish (a condition, never a dead daemon)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.schedule import SCHEDULE_UID_LABEL
from sagemaker_pipelines_operator.errors import Transient
from sagemaker_pipelines_operator.runtime.kube_memory import InMemoryObjects
from sagemaker_pipelines_operator.schedules.handlers import schedule_pass

NOON = datetime(2026, 1, 1, 12, 0, 1, tzinfo=UTC)
POLL_MAX = 30.0


def world(**spec: Any) -> tuple[InMemoryObjects, dict[str, Any]]:
    kube = InMemoryObjects()
    body = kube.create(
        "pipelineschedules",
        "ml",
        {
            "metadata": {"name": "nightly", "creationTimestamp": "2026-01-01T11:58:00Z"},
            "spec": {
                "schedule": "0 12 * * *",
                "runTemplate": {"spec": {"pipelineRef": {"name": "train"}}},
                **spec,
            },
        },
    ).body
    return kube, body


def schedule_body(kube: InMemoryObjects) -> dict[str, Any]:
    body = kube.get("pipelineschedules", "ml", "nightly")
    assert body is not None
    return body


def runs(kube: InMemoryObjects) -> list[dict[str, Any]]:
    return kube.list_namespaced("pipelineruns", "ml")


def condition(kube: InMemoryObjects, kind: str) -> dict[str, Any]:
    conditions = schedule_body(kube).get("status", {}).get("conditions", [])
    return next(x for x in conditions if x["type"] == kind)


def test_due_pass_creates_one_owned_run_and_a_repeat_creates_none() -> None:
    kube, body = world()
    schedule_pass(kube, body, lambda: NOON, POLL_MAX)
    schedule_pass(kube, schedule_body(kube), lambda: NOON, POLL_MAX)
    (run,) = runs(kube)
    assert run["metadata"]["labels"][SCHEDULE_UID_LABEL] == body["metadata"]["uid"]
    assert schedule_body(kube)["status"]["active"] == [{"name": run["metadata"]["name"]}]
    assert condition(kube, "Ready")["status"] == "True"


def test_replace_cancels_the_active_run() -> None:
    kube, body = world(concurrencyPolicy="Replace", schedule="* * * * *")
    schedule_pass(kube, body, lambda: NOON, POLL_MAX)
    later = NOON.replace(minute=1)
    schedule_pass(kube, schedule_body(kube), lambda: later, POLL_MAX)
    cancelled = [r["metadata"]["name"] for r in runs(kube) if r["spec"].get("cancel")]
    assert len(runs(kube)) == 2 and len(cancelled) == 1
    assert c.RUN_REPLACED in [posted.event.reason for posted in kube.events]


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        pytest.param({"schedule": "every day"}, c.INVALID_SCHEDULE, id="bad-cron"),
        pytest.param({"timeZone": "Mars/Olympus"}, c.INVALID_SCHEDULE, id="unknown-zone"),
    ],
)
def test_invalid_schedule_is_a_stalled_condition_with_its_message(spec: dict[str, Any], reason: str) -> None:
    kube, body = world(**spec)
    schedule_pass(kube, body, lambda: NOON, POLL_MAX)
    stalled = condition(kube, "Stalled")
    assert (stalled["status"], stalled["reason"]) == ("True", reason)
    assert stalled["message"]
    assert runs(kube) == []


def test_a_refusing_api_server_is_a_retrying_condition_and_the_next_pass_recovers() -> None:
    kube, body = world()
    kube.fail_next["list_namespaced"] = Transient(c.KUBERNETES_UNAVAILABLE, "pipelineruns in ml: 503")
    sleep = schedule_pass(kube, body, lambda: NOON, POLL_MAX)
    assert 0 < sleep <= POLL_MAX
    assert condition(kube, "Reconciling")["reason"] == c.KUBERNETES_UNAVAILABLE
    assert runs(kube) == []
    schedule_pass(kube, schedule_body(kube), lambda: NOON, POLL_MAX)
    assert len(runs(kube)) == 1
    assert condition(kube, "Ready")["status"] == "True"

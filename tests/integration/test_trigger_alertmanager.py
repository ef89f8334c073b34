"""PipelineTrigger with an Alertmanager source: the operator (in-process, real kube-apiserver)
serves the webhook; payloads of Alertmanager's format (version 4) are posted to it over HTTP.
The real Alertmanager fed by a real Prometheus is in tests/e2e/test_trigger_alert_loop.py."""

from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.runs import GROUP, VERSION, Kube, wait_for
from tests.integration.test_trigger_sqs import runs_of

TOKEN = "s3cr3t-webhook-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.fixture
def webhook_port(start_operator: Any) -> int:
    port = free_port()
    start_operator(webhook_port=port, bind_address="127.0.0.1")
    return port


def token_secret(kube: Kube) -> None:
    body = {"metadata": {"name": "am-token"}, "data": {"token": base64.b64encode(TOKEN.encode()).decode()}}
    kube.core.create_namespaced_secret(kube.namespace, body)


def trigger_manifest(**spec: Any) -> dict[str, Any]:
    source = {
        "alertmanager": {
            "tokenSecretRef": {"name": "am-token"},
            "matchLabels": {"alertname": "ModelQualityLow"},
        }
    }
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineTrigger",
        "metadata": {"name": "on-alert"},
        "spec": {
            "source": source,
            "parameters": {"Dataset": "join('', ['s3://retrain/', alert.labels.model])"},
            "runTemplate": {"spec": {"pipelineRef": {"name": "train"}}},
            **spec,
        },
    }


def notification(
    status: str, starts: str = "2026-12-01T10:00:00.000000001Z", name: str = "ModelQualityLow"
) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="' + name + '"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "retraining",
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name, "model": "fraud"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": name, "model": "fraud"},
                "annotations": {},
                "startsAt": starts,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": "4b2f3e0c1d9a8f7e",
            }
        ],
    }


def post(port: int, body: bytes, token: str | None = TOKEN, path: str = "") -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/triggers/{path}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=40) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_firing_alert_starts_one_run_resolved_and_repeats_do_not(kube: Kube, webhook_port: int) -> None:
    kube.ready_pipeline()
    token_secret(kube)
    kube.create(trigger_manifest())
    wait_for(lambda: kube.condition("PipelineTrigger", "on-alert", "Ready").get("reason") == "Listening")
    path = f"{kube.namespace}/on-alert"
    firing = json.dumps(notification("firing")).encode()

    assert post(webhook_port, firing, path=path) == 200
    (run,) = runs_of(kube, "on-alert")  # the run exists when the webhook is answered
    assert run["spec"]["parameters"] == {"Dataset": "s3://retrain/fraud"}
    assert post(webhook_port, firing, path=path) == 200  # repeat_interval resends the same episode
    assert post(webhook_port, json.dumps(notification("resolved")).encode(), path=path) == 200
    other = json.dumps(notification("firing", name="DiskFull")).encode()
    assert post(webhook_port, other, path=path) == 200
    assert len(runs_of(kube, "on-alert")) == 1
    kube.wait_phase(run["metadata"]["name"], "Succeeded")

    counts = kube.status("PipelineTrigger", "on-alert")["counts"]
    assert (counts["received"], counts["started"], counts["deduplicated"], counts["filtered"]) == (4, 1, 1, 2)
    assert "Triggered" in [r for _, r, _ in kube.events("on-alert")]


def test_webhook_refuses_wrong_tokens_bad_payloads_and_unknown_triggers(
    kube: Kube, webhook_port: int
) -> None:
    kube.ready_pipeline()
    token_secret(kube)
    kube.create(trigger_manifest())
    wait_for(lambda: kube.condition("PipelineTrigger", "on-alert", "Ready").get("reason") == "Listening")
    path = f"{kube.namespace}/on-alert"
    firing = json.dumps(notification("firing")).encode()
    assert post(webhook_port, firing, token=None, path=path) == 401
    assert post(webhook_port, firing, token="guess", path=path) == 401
    assert post(webhook_port, b"not json", path=path) == 400
    assert post(webhook_port, json.dumps({"version": "3"}).encode(), path=path) == 400
    assert post(webhook_port, firing, path=f"{kube.namespace}/nobody") == 404
    assert runs_of(kube, "on-alert") == []
    assert kube.status("PipelineTrigger", "on-alert")["counts"]["dropped"] == {"Malformed": 2}
    # Alive after all that: a good call starts its run.
    assert post(webhook_port, firing, path=path) == 200
    assert len(runs_of(kube, "on-alert")) == 1


def test_trigger_without_its_token_secret_is_not_ready(kube: Kube, webhook_port: int) -> None:
    kube.create(trigger_manifest())
    ready = wait_for(
        lambda: (r := kube.condition("PipelineTrigger", "on-alert", "Ready")).get("status") == "False" and r,
        what="Ready=False without the Secret",
    )
    assert "am-token" in ready["message"]
    token_secret(kube)
    wait_for(
        lambda: kube.condition("PipelineTrigger", "on-alert", "Ready").get("status") == "True",
        timeout=30,
        what="Ready once the Secret exists",
    )

"""The model-quality loop on real components: a gauge exposed by the test, scraped by a real
Prometheus whose rule fires below a threshold, a real Alertmanager (built from its Go module)
calling the operator's webhook with a bearer token, a PipelineRun executed by the emulator. And the
same Alertmanager delivering over HTTPS to a webhook served with a certificate, verified by
`tls_config.ca_file`."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from sagemaker_pipelines_operator.controlplane.certs import ensure_certs
from sagemaker_pipelines_operator.reconcile.envelopes import event_time
from tests.fixtures.prometheus import free_port
from tests.fixtures.runs import Kube, wait_for
from tests.integration.test_trigger_alertmanager import TOKEN, token_secret, trigger_manifest
from tests.integration.test_trigger_sqs import runs_of

pytestmark = pytest.mark.e2e

RULES = """
groups:
  - name: model-quality
    rules:
      - alert: ModelQualityLow
        expr: fraud_model_auc < 0.9
        for: 0s
        labels: {severity: warning, model: fraud}
        annotations: {summary: "fraud model AUC below 0.9"}
"""


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.fixture
def model_quality() -> Iterator[tuple[Gauge, str]]:
    """The model's AUC as a Prometheus gauge on a free port (what a model monitor would export)."""
    registry = CollectorRegistry()
    gauge = Gauge(
        "fraud_model_auc", "AUC of the deployed fraud model on recent labelled data.", registry=registry
    )
    gauge.set(0.95)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        yield gauge, f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _evaluated_since(rule: dict[str, Any], moment: float) -> bool:
    stamp = event_time(rule.get("lastEvaluation"))  # Go's RFC 3339 with nanoseconds
    return stamp is not None and stamp.timestamp() > moment


def test_model_quality_below_threshold_fires_an_alert_that_starts_a_retraining_run(
    kube: Kube,
    start_operator: Callable[..., Any],
    start_prometheus: Callable[..., Any],
    start_alertmanager: Callable[..., Any],
    model_quality: tuple[Gauge, str],
) -> None:
    webhook = free_port()
    start_operator(webhook_port=webhook, bind_address="127.0.0.1")
    kube.ready_pipeline()
    token_secret(kube)
    kube.create(trigger_manifest())
    wait_for(lambda: kube.condition("PipelineTrigger", "on-alert", "Ready").get("reason") == "Listening")
    url = f"http://127.0.0.1:{webhook}/triggers/{kube.namespace}/on-alert"
    alertmanager = start_alertmanager(url, TOKEN)
    gauge, target = model_quality
    prometheus = start_prometheus([target], rules=RULES, alertmanager=alertmanager.address)

    # Healthy model: scraped and evaluated, no alert, no run.
    # The rule evaluated while the gauge was scraped above the threshold, and stayed inactive.
    evaluated_after = time.time()
    prometheus.wait_for("the gauge scraped", lambda: prometheus.query("fraud_model_auc"))
    (rule,) = prometheus.wait_for(
        "the rule evaluated on the scraped gauge",
        lambda: [r for r in prometheus.rules() if _evaluated_since(r, evaluated_after + 1)],
    )
    assert (rule["state"], rule["health"]) == ("inactive", "ok")
    assert prometheus.alerts() == []
    assert runs_of(kube, "on-alert") == []

    began = time.monotonic()
    gauge.set(0.82)
    (run,) = wait_for(lambda: runs_of(kube, "on-alert"), timeout=60, what="a run from the fired alert")
    print(f"\ngauge below threshold -> PipelineRun in {time.monotonic() - began:.1f}s")
    assert run["spec"]["parameters"] == {"Dataset": "s3://retrain/fraud"}
    kube.wait_phase(run["metadata"]["name"], "Succeeded", timeout=60)

    # Recovery sends a resolved notification (send_resolved: true): counted, no second run.
    gauge.set(0.97)
    wait_for(
        lambda: kube.status("PipelineTrigger", "on-alert").get("counts", {}).get("filtered", 0) >= 1,
        timeout=60,
        what="the resolved notification counted as filtered",
    )
    assert len(runs_of(kube, "on-alert")) == 1
    assert kube.status("PipelineTrigger", "on-alert")["counts"]["started"] == 1


def test_alertmanager_delivers_over_https_to_a_webhook_served_with_a_certificate(
    kube: Kube, start_operator: Callable[..., Any], start_alertmanager: Callable[..., Any], tmp_path: Path
) -> None:
    pki = ensure_certs(tmp_path / "pki", "127.0.0.1")
    webhook = free_port()
    start_operator(
        webhook_port=webhook,
        bind_address="127.0.0.1",
        webhook_tls_cert_file=str(pki.serving_cert),
        webhook_tls_key_file=str(pki.serving_key),
    )
    kube.ready_pipeline()
    token_secret(kube)
    kube.create(trigger_manifest())
    wait_for(lambda: kube.condition("PipelineTrigger", "on-alert", "Ready").get("reason") == "Listening")
    url = f"https://127.0.0.1:{webhook}/triggers/{kube.namespace}/on-alert"
    alertmanager = start_alertmanager(url, TOKEN, ca_file=pki.ca_cert)

    # The alert as Prometheus would post it (the Prometheus leg is the test above).
    alert = {
        "labels": {"alertname": "ModelQualityLow", "model": "fraud", "severity": "warning"},
        "annotations": {"summary": "fraud model AUC below 0.9"},
        "startsAt": datetime.now(UTC).isoformat(),
    }
    request = urllib.request.Request(
        f"http://{alertmanager.address}/api/v2/alerts",
        data=json.dumps([alert]).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    (run,) = wait_for(
        lambda: runs_of(kube, "on-alert"),
        timeout=60,
        what="a run from the alert delivered over HTTPS",
    )
    assert run["spec"]["parameters"] == {"Dataset": "s3://retrain/fraud"}
    kube.wait_phase(run["metadata"]["name"], "Succeeded", timeout=60)
    assert "x509" not in alertmanager.tail_log(200)  # delivered on the first try: the CA verified

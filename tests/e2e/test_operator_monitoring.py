"""Monitoring of the whole operator: a real Prometheus scrapes the operator while it runs against
the real API server and the emulator; a run made to fail moves the failure counter and fires
PipelineRunFailed (read through Prometheus' HTTP API), and every dashboard query evaluates on the
series the operator really exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from sagemaker_pipelines_operator.observability.dashboard import as_prometheus_query, expressions
from tests.fixtures.pipelines import job
from tests.fixtures.prometheus import PrometheusServer, ServedObservability, rules_for_test
from tests.fixtures.runs import Kube, definition, run_manifest, slow

pytestmark = pytest.mark.e2e


def firing(prometheus: PrometheusServer, name: str, namespace: str) -> list[dict[str, Any]]:
    return [
        a
        for a in prometheus.alerts()
        if a["labels"]["alertname"] == name
        and a["state"] == "firing"
        and a["labels"].get("namespace") == namespace
    ]


def test_failed_run_fires_pipeline_run_failed_through_prometheus(
    kube_api: client.ApiClient,
    namespace: str,
    start_operator: Callable[..., Any],
    serve_observability: Callable[..., ServedObservability],
    start_prometheus: Callable[..., PrometheusServer],
) -> None:
    # The in-process operator records into the process' metrics registry, which these servers
    # expose: the same /metrics module `smpo run` serves.
    served = serve_observability()
    start_operator()
    prometheus = start_prometheus([served.address("metrics")], rules=rules_for_test())
    kube = Kube(kube_api, namespace)
    kube.ready_pipeline(
        definition_doc=definition(
            slow("Prep", seconds=4),
            job("Train", "Training", depends_on=["Prep"], description="emulator:fail"),
        )
    )
    labels = f'namespace="{namespace}", pipeline="train"'
    failed = f'smpo_pipeline_run_completions_total{{{labels}, phase="Failed"}}'
    # The operator exports the counter at 0 once it knows the Pipeline; increase() can only see
    # a failure that Prometheus scraped a 0 before, so the run starts once it has.
    prometheus.wait_for("the Failed counter at 0", lambda: prometheus.query(f"{failed} == 0"))
    kube.create(run_manifest("doomed"))
    kube.wait_phase("doomed", "Executing", timeout=30)
    kube.wait_phase("doomed", "Failed", timeout=60)
    prometheus.wait_for("the Failed counter at 1", lambda: prometheus.query(f"{failed} == 1"))
    alerts = prometheus.wait_for(
        "PipelineRunFailed firing",
        lambda: firing(prometheus, "PipelineRunFailed", namespace),
        timeout=30,
        explain=lambda: (
            f"history of {failed}: {prometheus.query_range(failed, 120)}\nalerts: {prometheus.alerts()}"
        ),
    )
    assert [a["labels"]["pipeline"] for a in alerts] == ["train"]

    ready = f"smpo_pipeline_ready{{{labels}}}"
    assert [r["value"][1] for r in prometheus.query(ready)] == ["1"]
    assert prometheus.query('sum(smpo_sagemaker_requests_total{operation="StartPipelineExecution"}) > 0')
    assert prometheus.query('sum(smpo_reconcile_total{kind="Pipeline", result="success"}) > 0')
    assert prometheus.query("smpo_watch_last_event_timestamp_seconds > 0")
    for expr in expressions():
        prometheus.query(as_prometheus_query(expr))  # raises on a PromQL or evaluation error

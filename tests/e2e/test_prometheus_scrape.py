"""A real Prometheus scraping the operator's /metrics server with the shipped alert rules: a
failed run moves the counter and fires PipelineRunFailed through the HTTP API, and every
dashboard expression evaluates. (The same against the whole running operator and the emulator is
test_operator_monitoring.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from sagemaker_pipelines_operator import metrics
from sagemaker_pipelines_operator.observability.dashboard import as_prometheus_query, expressions
from tests.fixtures.prometheus import (
    PrometheusQueryError,
    PrometheusServer,
    ServedObservability,
    rules_for_test,
)

pytestmark = pytest.mark.e2e

NS, PIPE = "e2e-prometheus", "fraud"


def firing(prometheus: PrometheusServer, name: str) -> list[dict[str, object]]:
    return [a for a in prometheus.alerts() if a["labels"]["alertname"] == name and a["state"] == "firing"]


def test_failed_run_fires_pipeline_run_failed_and_dashboard_queries_evaluate(
    serve_observability: Callable[..., ServedObservability],
    start_prometheus: Callable[..., PrometheusServer],
) -> None:
    served = serve_observability()
    metrics.track_pipeline(NS, PIPE)
    try:
        served.clock.touch()
        prometheus = start_prometheus([served.address("metrics")], rules=rules_for_test())
        selector = f'namespace="{NS}", pipeline="{PIPE}", phase="Failed"'
        prometheus.wait_for(
            "the zero-valued Failed series",
            lambda: prometheus.query(f"smpo_pipeline_run_completions_total{{{selector}}} == 0"),
        )
        assert not firing(prometheus, "PipelineRunFailed")

        metrics.record_run_completion(
            NS, PIPE, "Failed", duration_seconds=12.0, completed_at=datetime.now(UTC)
        )
        prometheus.wait_for(
            "the Failed counter at 1",
            lambda: prometheus.query(f"smpo_pipeline_run_completions_total{{{selector}}} == 1"),
        )
        alerts = prometheus.wait_for(
            "PipelineRunFailed firing", lambda: firing(prometheus, "PipelineRunFailed")
        )
        assert [(a["labels"]["namespace"], a["labels"]["pipeline"]) for a in alerts] == [(NS, PIPE)]
        assert alerts[0]["annotations"]["runbook_url"].endswith("docs/runbooks.md#pipelinerunfailed")
        assert not firing(prometheus, "SmpoOperatorDown")
        assert not firing(prometheus, "SmpoOperatorAbsent")

        for expr in expressions():
            prometheus.query(as_prometheus_query(expr))  # raises on a PromQL or evaluation error
        with pytest.raises(PrometheusQueryError):
            prometheus.query("sum by (namespace) (smpo_pipeline_runs")
    finally:
        metrics.forget_pipeline(NS, PIPE)

"""The Grafana dashboard (runs, durations, success rates, SageMaker calls and throttles, reconcile
errors and latency) as Python data, rendered to manifests/monitoring/grafana-dashboard.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

UID = "smpo-overview"
TITLE = "SageMaker Pipelines operator"
_DS = {"type": "prometheus", "uid": "${datasource}"}
_SEL = 'namespace=~"$namespace", pipeline=~"$pipeline"'
_JOB = 'job=~"$job"'


@dataclass(frozen=True)
class Panel:
    """One panel: `targets` are (PromQL, legend) pairs; `unit` is a Grafana unit id."""

    title: str
    kind: str
    targets: tuple[tuple[str, str], ...]
    unit: str = "short"
    description: str = ""
    width: int = 12
    height: int = 8
    stack: bool = False


ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    (
        "Pipeline runs",
        (
            Panel(
                "Runs by phase",
                "timeseries",
                ((f"sum by (phase) (smpo_pipeline_runs{{{_SEL}}})", "{{phase}}"),),
                description="PipelineRuns currently in each phase.",
                stack=True,
            ),
            Panel(
                "Finished runs per hour by phase",
                "timeseries",
                (
                    (
                        f"sum by (phase) (increase(smpo_pipeline_run_completions_total{{{_SEL}}}[1h]))",
                        "{{phase}}",
                    ),
                ),
                description="Runs that reached Succeeded, Failed, Stopped or CompletedWithFailures.",
                stack=True,
            ),
            Panel(
                "Success rate per pipeline (24h)",
                "bargauge",
                (
                    (
                        "sum by (namespace, pipeline) "
                        f'(increase(smpo_pipeline_run_completions_total{{{_SEL}, phase="Succeeded"}}[24h]))\n'
                        "/ sum by (namespace, pipeline) "
                        f"(increase(smpo_pipeline_run_completions_total{{{_SEL}}}[24h]))",
                        "{{namespace}}/{{pipeline}}",
                    ),
                ),
                unit="percentunit",
                description="Succeeded runs over all finished runs in the last 24 hours.",
            ),
            Panel(
                "Run duration (p50, p90) per pipeline",
                "timeseries",
                tuple(
                    (
                        f"histogram_quantile({q}, sum by (namespace, pipeline, le) "
                        f"(rate(smpo_pipeline_run_duration_seconds_bucket{{{_SEL}}}[6h])))",
                        f"p{int(q * 100)} {{{{namespace}}}}/{{{{pipeline}}}}",
                    )
                    for q in (0.5, 0.9)
                ),
                unit="s",
                description="Wall-clock duration of finished executions (6h window).",
            ),
            Panel(
                "Time since last success vs expected interval",
                "timeseries",
                (
                    (
                        "time() - max by (namespace, pipeline) "
                        f"(smpo_pipeline_last_success_timestamp_seconds{{{_SEL}}})",
                        "since success {{namespace}}/{{pipeline}}",
                    ),
                    (
                        "max by (namespace, pipeline) "
                        f"(smpo_pipeline_expected_success_interval_seconds{{{_SEL}}})",
                        "expected {{namespace}}/{{pipeline}}",
                    ),
                ),
                unit="s",
                description="PipelineNoRecentSuccess fires when the first line crosses the second.",
            ),
            Panel(
                "Pipelines not Ready / drift corrections (1h)",
                "timeseries",
                (
                    (f"count(smpo_pipeline_ready{{{_SEL}}} == 0) or vector(0)", "not Ready"),
                    (
                        f"sum by (namespace, pipeline) (increase(smpo_pipeline_drift_total{{{_SEL}}}[1h]))",
                        "drift {{namespace}}/{{pipeline}}",
                    ),
                ),
            ),
        ),
    ),
    (
        "SageMaker API",
        (
            Panel(
                "Requests by operation and outcome",
                "timeseries",
                (
                    (
                        f"sum by (operation, outcome) (rate(smpo_sagemaker_requests_total{{{_JOB}}}"
                        "[$__rate_interval]))",
                        "{{operation}} {{outcome}}",
                    ),
                ),
                unit="reqps",
                stack=True,
            ),
            Panel(
                "Throttles by operation",
                "timeseries",
                (
                    (
                        f"sum by (operation) (rate(smpo_sagemaker_throttles_total{{{_JOB}}}"
                        "[$__rate_interval]))",
                        "{{operation}}",
                    ),
                ),
                unit="reqps",
                description="Throttling responses, including attempts the SDK retried.",
            ),
            Panel(
                "Request latency p99 by operation",
                "timeseries",
                (
                    (
                        "histogram_quantile(0.99, sum by (operation, le) "
                        f"(rate(smpo_sagemaker_request_duration_seconds_bucket{{{_JOB}}}[$__rate_interval])))",
                        "{{operation}}",
                    ),
                ),
                unit="s",
                width=24,
            ),
        ),
    ),
    (
        "Operator",
        (
            Panel(
                "Reconciles by kind and result",
                "timeseries",
                (
                    (
                        f"sum by (kind, result) (rate(smpo_reconcile_total{{{_JOB}}}[$__rate_interval]))",
                        "{{kind}} {{result}}",
                    ),
                ),
                unit="ops",
                stack=True,
            ),
            Panel(
                "Reconcile errors by kind",
                "timeseries",
                (
                    (
                        "sum by (kind) (rate(smpo_reconcile_total"
                        f'{{{_JOB}, result=~"error|transient"}}[$__rate_interval]))',
                        "{{kind}}",
                    ),
                ),
                unit="ops",
            ),
            Panel(
                "Reconcile latency (p50, p99) by kind",
                "timeseries",
                tuple(
                    (
                        f"histogram_quantile({q}, sum by (kind, le) "
                        f"(rate(smpo_reconcile_duration_seconds_bucket{{{_JOB}}}[$__rate_interval])))",
                        f"p{int(q * 100)} {{{{kind}}}}",
                    )
                    for q in (0.5, 0.99)
                ),
                unit="s",
            ),
            Panel(
                "Resources by kind and condition",
                "timeseries",
                ((f"sum by (kind, condition) (smpo_resources{{{_JOB}}})", "{{kind}} {{condition}}"),),
            ),
            Panel(
                "Seconds since last watch event",
                "timeseries",
                (
                    (
                        f"time() - (smpo_watch_last_event_timestamp_seconds{{{_JOB}}} > 0)",
                        "{{instance}}",
                    ),
                ),
                unit="s",
                description="SmpoWatchStalled fires above 900 s; liveness restarts the pod earlier.",
            ),
            Panel(
                "Operator up, memory and version",
                "timeseries",
                (
                    (f"up{{{_JOB}}}", "up {{instance}}"),
                    (f"process_resident_memory_bytes{{{_JOB}}} / 2^20", "RSS MiB {{instance}}"),
                    (f"max by (version) (smpo_build_info{{{_JOB}}})", "version {{version}}"),
                ),
            ),
        ),
    ),
)


def _variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": _DS,
        "query": {"query": query, "refId": f"var-{name}"},
        "definition": query,
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "refresh": 2,
        "sort": 1,
    }


def _panel(panel: Panel, pid: int, x: int, y: int) -> dict[str, Any]:
    custom = {"stacking": {"mode": "normal"}, "fillOpacity": 20} if panel.stack else {}
    return {
        "id": pid,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": _DS,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit, "custom": custom}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": _DS, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(panel.targets)
        ],
    }


def dashboard() -> dict[str, Any]:
    """The dashboard model (Grafana JSON)."""
    panels: list[dict[str, Any]] = []
    y, pid = 0, 1
    for title, row in ROWS:
        panels.append({"id": pid, "type": "row", "title": title, "collapsed": False, "panels": []})
        panels[-1]["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": y}
        pid, y, x = pid + 1, y + 1, 0
        for panel in row:
            if x + panel.width > 24:
                x, y = 0, y + panel.height
            panels.append(_panel(panel, pid, x, y))
            pid, x = pid + 1, x + panel.width
        y += 8
    return {
        "uid": UID,
        "title": TITLE,
        "description": "Pipelines, runs, SageMaker API use and health of sagemaker-pipelines-operator.",
        "tags": ["sagemaker", "mlops", "sagemaker-pipelines-operator"],
        "timezone": "utc",
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-24h", "to": "now"},
        "templating": {
            "list": [
                {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus"},
                _variable("job", "Job", "label_values(smpo_build_info, job)"),
                _variable("namespace", "Namespace", "label_values(smpo_pipeline_runs, namespace)"),
                _variable(
                    "pipeline",
                    "Pipeline",
                    'label_values(smpo_pipeline_runs{namespace=~"$namespace"}, pipeline)',
                ),
            ]
        },
        "annotations": {"list": []},
        "panels": panels,
    }


def render_dashboard() -> str:
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


def expressions(model: dict[str, Any] | None = None) -> list[str]:
    """Every PromQL expression in the dashboard (panel targets), as written."""
    model = model or dashboard()
    return [t["expr"] for p in model["panels"] for t in p.get("targets", [])]


_GRAFANA_VARS = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "1h",
    "$namespace": ".*",
    "$pipeline": ".*",
    "$job": ".*",
}


def as_prometheus_query(expr: str) -> str:
    """`expr` with Grafana's variables replaced the way Grafana would with "All" selected, so it
    can be sent to Prometheus' query API as is."""
    for name in sorted(_GRAFANA_VARS, key=len, reverse=True):
        expr = expr.replace(name, _GRAFANA_VARS[name])
    if re.search(r"\$\w+", expr):
        raise ValueError(f"unknown Grafana variable in {expr!r}")
    return expr

"""Every Prometheus metric the operator exports, in one place (DESIGN §6).

Names use the `smpo_` prefix and base units; labels are bounded: kind/result/operation are
fixed sets, namespace/pipeline grow with the number of Pipelines, never with runs.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

REGISTRY = CollectorRegistry(auto_describe=True)
"""The operator's registry (not the global one, so tests and in-process operators stay apart)."""

RECONCILE_TOTAL = Counter(
    "smpo_reconcile_total",
    "Reconcile passes by kind and result (success, stalled, waiting, transient, error).",
    ["kind", "result"],
    registry=REGISTRY,
)
RECONCILE_DURATION = Histogram(
    "smpo_reconcile_duration_seconds",
    "Duration of one reconcile pass.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
SAGEMAKER_REQUESTS_TOTAL = Counter(
    "smpo_sagemaker_requests_total",
    "SageMaker API calls by operation and outcome (success, throttled, client_error, server_error, "
    "network_error).",
    ["operation", "outcome"],
    registry=REGISTRY,
)
SAGEMAKER_REQUEST_DURATION = Histogram(
    "smpo_sagemaker_request_duration_seconds",
    "Duration of SageMaker API calls, including SDK retries and rate-limit waits.",
    ["operation"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
SAGEMAKER_THROTTLES_TOTAL = Counter(
    "smpo_sagemaker_throttles_total",
    "SageMaker throttling responses (counted per attempt, including those the SDK retried).",
    ["operation"],
    registry=REGISTRY,
)
PIPELINE_RUNS = Gauge(
    "smpo_pipeline_runs",
    "PipelineRuns by namespace, pipeline and phase.",
    ["namespace", "pipeline", "phase"],
    registry=REGISTRY,
)
PIPELINE_RUN_COMPLETIONS_TOTAL = Counter(
    "smpo_pipeline_run_completions_total",
    "PipelineRuns that reached a final phase (Succeeded, Failed, Stopped, CompletedWithFailures).",
    ["namespace", "pipeline", "phase"],
    registry=REGISTRY,
)
PIPELINE_RUN_DURATION = Histogram(
    "smpo_pipeline_run_duration_seconds",
    "Wall-clock duration of finished executions.",
    ["namespace", "pipeline"],
    buckets=(60, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400),
    registry=REGISTRY,
)
PIPELINE_LAST_SUCCESS = Gauge(
    "smpo_pipeline_last_success_timestamp_seconds",
    "Unix time of the last successful run of a pipeline.",
    ["namespace", "pipeline"],
    registry=REGISTRY,
)
PIPELINE_EXPECTED_INTERVAL = Gauge(
    "smpo_pipeline_expected_success_interval_seconds",
    "Longest acceptable gap between successful runs (annotation "
    "sagemaker.pipelines.dev/expected-success-interval on the Pipeline).",
    ["namespace", "pipeline"],
    registry=REGISTRY,
)
PIPELINE_DRIFT_TOTAL = Counter(
    "smpo_pipeline_drift_total",
    "Times a pipeline was found changed outside Git.",
    ["namespace", "pipeline"],
    registry=REGISTRY,
)
RESOURCES = Gauge(
    "smpo_resources",
    "Resources by kind and condition (Ready, Stalled, Reconciling, Unknown).",
    ["kind", "condition"],
    registry=REGISTRY,
)
WATCH_LAST_EVENT = Gauge(
    "smpo_watch_last_event_timestamp_seconds",
    "Unix time of the last watch event the operator received.",
    registry=REGISTRY,
)
BUILD_INFO = Info("smpo_build", "Operator build information.", registry=REGISTRY)

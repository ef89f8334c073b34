"""Every Prometheus metric the operator exports, in one place (DESIGN §6).

Names use the `smpo_` prefix and base units; labels are bounded: kind/result/operation are
fixed sets, namespace/pipeline grow with the number of Pipelines, never with runs.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime

from prometheus_client import (
    GC_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from sagemaker_pipelines_operator import __version__

# `*_created` series would double every counter and histogram in the text format, for nothing
# our alerts or dashboard use.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus_client

REGISTRY = CollectorRegistry(auto_describe=True)
"""The operator's registry (not the global one, so tests and in-process operators stay apart)."""

# Label values of the fixed-set labels. Series for these exist from the start (value 0): a
# counter that appears already at 1 is invisible to rate()/increase(), so an alert would miss
# the first error.
KINDS = ("Pipeline", "PipelineRun", "PipelineSchedule", "PipelineTrigger")
RECONCILE_RESULTS = ("success", "stalled", "waiting", "transient", "error")
RUN_PHASES = (
    "Pending",
    "Starting",
    "Executing",
    "Stopping",
    "Stopped",
    "Failed",
    "Succeeded",
    "CompletedWithFailures",
)
FINAL_PHASES = ("Stopped", "Failed", "Succeeded", "CompletedWithFailures")
RESOURCE_CONDITIONS = ("Ready", "Stalled", "Reconciling", "Unknown")

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
SQS_REQUESTS_TOTAL = Counter(
    "smpo_sqs_requests_total",
    "SQS API calls of PipelineTriggers by operation and outcome (as smpo_sagemaker_requests_total).",
    ["operation", "outcome"],
    registry=REGISTRY,
)
SQS_REQUEST_DURATION = Histogram(
    "smpo_sqs_request_duration_seconds",
    "Duration of SQS API calls, including SDK retries and ReceiveMessage's long poll.",
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
PIPELINE_READY = Gauge(
    "smpo_pipeline_ready",
    "1 when the Pipeline's Ready condition is True, else 0 (alerts on pipelines not Ready).",
    ["namespace", "pipeline"],
    registry=REGISTRY,
)
STATUS_EVENTS_TOTAL = Counter(
    "smpo_status_events_total",
    "SageMaker status-change events read from the status events queue, by outcome (applied: a tracked"
    " run was looked at; untracked: no run here has that execution; malformed; not_sagemaker).",
    ["outcome"],
    registry=REGISTRY,
)
TRIGGER_EVENTS_TOTAL = Counter(
    "smpo_trigger_events_total",
    "Events a PipelineTrigger received, by outcome (started, deduplicated, filtered, dropped_<reason>).",
    ["namespace", "trigger", "outcome"],
    registry=REGISTRY,
)
TRIGGER_READY = Gauge(
    "smpo_trigger_ready",
    "1 when the PipelineTrigger's Ready condition is True, else 0 (alerts on triggers not Ready).",
    ["namespace", "trigger"],
    registry=REGISTRY,
)
TRIGGER_OUTCOMES = (
    "started",
    "deduplicated",
    "filtered",
    "dropped_malformed",
    "dropped_suspended",
    "dropped_forbidden",
    "dropped_rate_limited",
    "dropped_invalid_parameters",
)
BUILD_INFO = Info("smpo_build", "Operator build information.", registry=REGISTRY)

# process_* (CPU, memory, file descriptors, start time) and python_* series, as every Python
# exporter has them; dashboards and `up`-style alerts rely on process_start_time_seconds.
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
REGISTRY.register(GC_COLLECTOR)
BUILD_INFO.info({"version": __version__})
for _kind in KINDS:
    RECONCILE_DURATION.labels(kind=_kind)
    for _condition in RESOURCE_CONDITIONS:
        RESOURCES.labels(kind=_kind, condition=_condition)
    for _result in RECONCILE_RESULTS:
        RECONCILE_TOTAL.labels(kind=_kind, result=_result)

_last_success: dict[tuple[str, str], float] = {}
_last_success_lock = threading.Lock()
_PER_PIPELINE_PHASE = (PIPELINE_RUNS, PIPELINE_RUN_COMPLETIONS_TOTAL)
_PER_PIPELINE = (
    PIPELINE_RUN_DURATION,
    PIPELINE_LAST_SUCCESS,
    PIPELINE_EXPECTED_INTERVAL,
    PIPELINE_DRIFT_TOTAL,
    PIPELINE_READY,
)


def track_pipeline(namespace: str, pipeline: str) -> None:
    """Create the pipeline's counter series at 0 as soon as the pipeline is known.

    Call it when a Pipeline (or a run of an unmanaged pipeline) is first seen, long before any run
    ends: `increase(...{phase="Failed"}[10m])` only sees a failure whose series existed before it.
    Idempotent. `pipeline` is the Pipeline resource name (or spec.pipelineName when unmanaged).
    """
    for phase in FINAL_PHASES:
        PIPELINE_RUN_COMPLETIONS_TOTAL.labels(namespace=namespace, pipeline=pipeline, phase=phase)
    PIPELINE_DRIFT_TOTAL.labels(namespace=namespace, pipeline=pipeline)
    PIPELINE_RUN_DURATION.labels(namespace=namespace, pipeline=pipeline)


def forget_pipeline(namespace: str, pipeline: str) -> None:
    """Drop every series of a deleted pipeline, so it stops alerting and the label set stays
    bounded by the pipelines that exist."""
    for metric in _PER_PIPELINE:
        with contextlib.suppress(KeyError):
            metric.remove(namespace, pipeline)
    for phased in _PER_PIPELINE_PHASE:
        for phase in RUN_PHASES:
            with contextlib.suppress(KeyError):
                phased.remove(namespace, pipeline, phase)
    _last_success.pop((namespace, pipeline), None)


def set_pipeline_ready(namespace: str, pipeline: str, ready: bool) -> None:
    """Export the Pipeline's Ready condition (True → 1, False/Unknown → 0)."""
    PIPELINE_READY.labels(namespace=namespace, pipeline=pipeline).set(1 if ready else 0)


def record_success_time(namespace: str, pipeline: str, when: datetime) -> None:
    """Raise the last-success gauge to `when` (never lowers it: runs may be seen out of order, e.g.
    when the operator restarts and resumes old runs)."""
    if when.tzinfo is None:
        raise ValueError("record_success_time needs a timezone-aware datetime")
    stamp = when.timestamp()
    with _last_success_lock:
        if stamp <= _last_success.get((namespace, pipeline), float("-inf")):
            return
        _last_success[(namespace, pipeline)] = stamp
        PIPELINE_LAST_SUCCESS.labels(namespace=namespace, pipeline=pipeline).set(stamp)


def record_run_completion(
    namespace: str,
    pipeline: str,
    phase: str,
    *,
    duration_seconds: float | None,
    completed_at: datetime | None,
) -> None:
    """Count a run reaching a final phase; call once per run (guard with a status marker, since
    kopf may replay a handler). Succeeded also moves the last-success gauge."""
    if phase not in FINAL_PHASES:
        raise ValueError(f"{phase!r} is not a final phase ({', '.join(FINAL_PHASES)})")
    track_pipeline(namespace, pipeline)
    PIPELINE_RUN_COMPLETIONS_TOTAL.labels(namespace=namespace, pipeline=pipeline, phase=phase).inc()
    if duration_seconds is not None:
        PIPELINE_RUN_DURATION.labels(namespace=namespace, pipeline=pipeline).observe(duration_seconds)
    if phase == "Succeeded" and completed_at is not None:
        record_success_time(namespace, pipeline, completed_at)


def track_trigger(namespace: str, trigger: str) -> None:
    """Create the trigger's event counters at 0 when it is first seen (see track_pipeline)."""
    for outcome in TRIGGER_OUTCOMES:
        TRIGGER_EVENTS_TOTAL.labels(namespace=namespace, trigger=trigger, outcome=outcome)


def count_trigger_event(namespace: str, trigger: str, outcome: str) -> None:
    if outcome not in TRIGGER_OUTCOMES:
        raise ValueError(f"{outcome!r} is not a trigger event outcome ({', '.join(TRIGGER_OUTCOMES)})")
    TRIGGER_EVENTS_TOTAL.labels(namespace=namespace, trigger=trigger, outcome=outcome).inc()


def set_trigger_ready(namespace: str, trigger: str, ready: bool) -> None:
    TRIGGER_READY.labels(namespace=namespace, trigger=trigger).set(1 if ready else 0)


def forget_trigger(namespace: str, trigger: str) -> None:
    """Drop a deleted trigger's series."""
    with contextlib.suppress(KeyError):
        TRIGGER_READY.remove(namespace, trigger)
    for outcome in TRIGGER_OUTCOMES:
        with contextlib.suppress(KeyError):
            TRIGGER_EVENTS_TOTAL.remove(namespace, trigger, outcome)

"""metrics.py helpers: zero series for tracked pipelines, completions, last success, forgetting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sagemaker_pipelines_operator import metrics

NS = "unit-metrics"
DONE = "smpo_pipeline_run_completions_total"
LAST = "smpo_pipeline_last_success_timestamp_seconds"


def value(name: str, **labels: str) -> float | None:
    return metrics.REGISTRY.get_sample_value(name, labels)


def test_fixed_label_series_exist_at_zero_from_import() -> None:
    for kind in metrics.KINDS:
        for result in metrics.RECONCILE_RESULTS:
            assert value("smpo_reconcile_total", kind=kind, result=result) is not None


def test_tracking_creates_zero_series_for_every_final_phase() -> None:
    metrics.track_pipeline(NS, "tracked")
    for phase in metrics.FINAL_PHASES:
        assert value(DONE, namespace=NS, pipeline="tracked", phase=phase) == 0
    assert value("smpo_pipeline_drift_total", namespace=NS, pipeline="tracked") == 0
    metrics.forget_pipeline(NS, "tracked")


def test_completion_counts_and_records_duration_and_success() -> None:
    done = datetime(2026, 3, 1, 12, tzinfo=UTC)
    metrics.record_run_completion(NS, "p1", "Succeeded", duration_seconds=90.0, completed_at=done)
    metrics.record_run_completion(NS, "p1", "Failed", duration_seconds=None, completed_at=done)
    assert value(DONE, namespace=NS, pipeline="p1", phase="Succeeded") == 1
    assert value(DONE, namespace=NS, pipeline="p1", phase="Failed") == 1
    assert value("smpo_pipeline_run_duration_seconds_count", namespace=NS, pipeline="p1") == 1
    assert value(LAST, namespace=NS, pipeline="p1") == done.timestamp()
    metrics.forget_pipeline(NS, "p1")


def test_last_success_never_moves_backwards() -> None:
    late = datetime(2026, 3, 2, tzinfo=UTC)
    metrics.record_success_time(NS, "p2", late)
    metrics.record_success_time(NS, "p2", late - timedelta(days=1))
    assert value(LAST, namespace=NS, pipeline="p2") == late.timestamp()
    metrics.forget_pipeline(NS, "p2")
    # Forgetting also forgets the high-water mark: a recreated pipeline starts afresh.
    metrics.record_success_time(NS, "p2", late - timedelta(days=1))
    assert value(LAST, namespace=NS, pipeline="p2") == (late - timedelta(days=1)).timestamp()
    metrics.forget_pipeline(NS, "p2")


def test_naive_times_and_non_final_phases_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        metrics.record_success_time(NS, "p3", datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="final phase"):
        metrics.record_run_completion(NS, "p3", "Executing", duration_seconds=None, completed_at=None)


def test_forget_drops_every_series_of_the_pipeline_only() -> None:
    for name in ("gone", "kept"):
        metrics.track_pipeline(NS, name)
        metrics.set_pipeline_ready(NS, name, False)
        metrics.PIPELINE_RUNS.labels(namespace=NS, pipeline=name, phase="Executing").set(2)
        metrics.PIPELINE_EXPECTED_INTERVAL.labels(namespace=NS, pipeline=name).set(60)
    metrics.forget_pipeline(NS, "gone")
    remaining = {
        (s.name, s.labels.get("pipeline"))
        for family in metrics.REGISTRY.collect()
        for s in family.samples
        if s.labels.get("namespace") == NS
    }
    assert {p for _, p in remaining} == {"kept"}
    assert ("smpo_pipeline_ready", "kept") in remaining
    metrics.forget_pipeline(NS, "kept")
    metrics.forget_pipeline(NS, "never-tracked")  # no error for unknown pipelines

"""The operator's HTTP endpoints as a scraper and a kubelet see them: /metrics parsed with
prometheus_client's parser (every DESIGN §6 metric, its type, labels and naming), /healthz and
/readyz answers, and the port layout (shared, separate, disabled)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families

from sagemaker_pipelines_operator import __version__, metrics
from sagemaker_pipelines_operator.observability.intervals import export_expected_interval
from tests.fixtures.prometheus import ServedObservability, free_port

pytestmark = pytest.mark.e2e

# DESIGN §6: family name (as the parser reports it, without _total/_info) → (type, label names).
DESIGN_METRICS: dict[str, tuple[str, set[str]]] = {
    "smpo_reconcile": ("counter", {"kind", "result"}),
    "smpo_reconcile_duration_seconds": ("histogram", {"kind"}),
    "smpo_sagemaker_requests": ("counter", {"operation", "outcome"}),
    "smpo_sagemaker_request_duration_seconds": ("histogram", {"operation"}),
    "smpo_sagemaker_throttles": ("counter", {"operation"}),
    "smpo_pipeline_runs": ("gauge", {"namespace", "pipeline", "phase"}),
    "smpo_pipeline_run_completions": ("counter", {"namespace", "pipeline", "phase"}),
    "smpo_pipeline_run_duration_seconds": ("histogram", {"namespace", "pipeline"}),
    "smpo_pipeline_last_success_timestamp_seconds": ("gauge", {"namespace", "pipeline"}),
    "smpo_pipeline_expected_success_interval_seconds": ("gauge", {"namespace", "pipeline"}),
    "smpo_pipeline_drift": ("counter", {"namespace", "pipeline"}),
    "smpo_pipeline_ready": ("gauge", {"namespace", "pipeline"}),
    "smpo_resources": ("gauge", {"kind", "condition"}),
    "smpo_watch_last_event_timestamp_seconds": ("gauge", set()),
    "smpo_build_info": ("gauge", {"version"}),  # an Info; the text format calls it a gauge
}
NS, PIPE = "e2e-metrics", "retrain"


def get(url: str, accept: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def scrape(served: ServedObservability) -> dict[str, Any]:
    status, content_type, body = get(f"http://{served.address('metrics')}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(body)}


@pytest.fixture
def served(serve_observability: Callable[..., ServedObservability]) -> ServedObservability:
    return serve_observability()


@pytest.fixture
def example_pipeline() -> Iterator[None]:
    """One pipeline with a sample in every per-pipeline metric; its series are dropped after."""
    metrics.track_pipeline(NS, PIPE)
    metrics.set_pipeline_ready(NS, PIPE, True)
    metrics.PIPELINE_RUNS.labels(namespace=NS, pipeline=PIPE, phase="Executing").set(1)
    metrics.record_run_completion(
        NS, PIPE, "Succeeded", duration_seconds=420.0, completed_at=datetime(2026, 1, 2, tzinfo=UTC)
    )
    assert (
        export_expected_interval(NS, PIPE, {"sagemaker.pipelines.dev/expected-success-interval": "1d"})
        is None
    )
    metrics.SAGEMAKER_REQUESTS_TOTAL.labels(operation="DescribePipeline", outcome="success").inc()
    metrics.SAGEMAKER_REQUEST_DURATION.labels(operation="DescribePipeline").observe(0.05)
    metrics.SAGEMAKER_THROTTLES_TOTAL.labels(operation="DescribePipeline").inc()
    metrics.RESOURCES.labels(kind="Pipeline", condition="Ready").set(1)
    yield
    metrics.forget_pipeline(NS, PIPE)


def test_every_design_metric_is_exposed_with_its_type_and_labels(
    served: ServedObservability, example_pipeline: None
) -> None:
    served.clock.touch()
    families = scrape(served)
    for name, (kind, labels) in DESIGN_METRICS.items():
        assert name in families, f"{name} missing from /metrics"
        family = families[name]
        assert family.type == kind, name
        assert family.samples, f"{name} has no sample"
        for sample in family.samples:
            assert set(sample.labels) - {"le"} == labels, (name, sample.labels)
    assert families["smpo_build_info"].samples[0].labels == {"version": __version__}
    assert families["smpo_watch_last_event_timestamp_seconds"].samples[0].value == pytest.approx(
        time.time(), abs=30
    )
    interval = [s for s in families["smpo_pipeline_expected_success_interval_seconds"].samples]
    assert [(s.labels, s.value) for s in interval if s.labels["namespace"] == NS] == [
        ({"namespace": NS, "pipeline": PIPE}, 86400.0)
    ]


def test_names_follow_prometheus_conventions(served: ServedObservability, example_pipeline: None) -> None:
    families = scrape(served)
    ours = {name: f for name, f in families.items() if name.startswith("smpo_")}
    assert set(DESIGN_METRICS) <= set(ours)
    for name, family in ours.items():
        for sample in family.samples:
            if family.type == "counter":
                assert sample.name.endswith("_total"), sample.name
            assert not sample.name.endswith("_created"), f"{sample.name}: _created series are off"
            assert not sample.name.endswith(("_milliseconds", "_ms", "_minutes", "_hours")), sample.name
        if family.type == "histogram":
            assert name.endswith("_seconds"), name
        if "timestamp" in name or "interval" in name:
            assert name.endswith("_seconds"), name


def test_process_and_platform_collectors_are_served(served: ServedObservability) -> None:
    families = scrape(served)
    for name in ("process_start_time_seconds", "process_resident_memory_bytes", "python_info"):
        assert name in families, name


def test_labelled_metrics_without_series_still_show_help_and_type(served: ServedObservability) -> None:
    # No pipeline tracked under this fixture: the per-pipeline families may have no sample,
    # but scrapers and `promtool check metrics` still see them declared.
    status, _, body = get(f"http://{served.address('metrics')}/metrics")
    assert status == 200
    for name in ("smpo_pipeline_ready", "smpo_pipeline_runs", "smpo_pipeline_drift_total"):
        assert f"# HELP {name} " in body
        assert f"# TYPE {name} " in body


def test_zero_series_exist_for_a_tracked_pipeline_before_any_run_ends(served: ServedObservability) -> None:
    metrics.track_pipeline(NS, "fresh")
    try:
        completions = scrape(served)["smpo_pipeline_run_completions"].samples
        phases = {
            s.labels["phase"]: s.value
            for s in completions
            if s.labels.get("pipeline") == "fresh" and s.name.endswith("_total")
        }
        assert phases == dict.fromkeys(metrics.FINAL_PHASES, 0.0)
    finally:
        metrics.forget_pipeline(NS, "fresh")
    after = scrape(served)["smpo_pipeline_run_completions"].samples
    assert not [s for s in after if s.labels.get("pipeline") == "fresh"]


def test_openmetrics_is_served_when_asked_for(served: ServedObservability, example_pipeline: None) -> None:
    status, content_type, body = get(
        f"http://{served.address('metrics')}/metrics", accept="application/openmetrics-text; version=1.0.0"
    )
    assert status == 200
    assert content_type.startswith("application/openmetrics-text")
    names = {f.name for f in parse_openmetrics(body)}
    assert {"smpo_reconcile", "smpo_pipeline_run_completions", "smpo_build"} <= names


def probe(served: ServedObservability, path: str) -> tuple[int, dict[str, Any]]:
    status, content_type, body = get(f"http://{served.address('health')}{path}")
    assert content_type.startswith("application/json")
    return status, json.loads(body)


def test_healthz_fails_after_a_watch_stall_and_recovers_on_the_next_event(
    serve_observability: Callable[..., ServedObservability],
) -> None:
    served = serve_observability(watch_stall_seconds=0.4)
    assert probe(served, "/healthz") == (
        200,
        {"status": "ok", "reason": "no watch event yet", "stallSeconds": 0.4},
    )
    served.clock.touch()
    status, body = probe(served, "/healthz")
    assert (status, body["reason"]) == (200, "watching")
    time.sleep(0.6)
    status, body = probe(served, "/healthz")
    assert (status, body["status"], body["reason"]) == (503, "failing", "watch stalled: no event received")
    assert body["secondsSinceLastEvent"] > 0.4
    served.clock.touch()
    assert probe(served, "/healthz")[0] == 200


def test_healthz_fails_when_the_operator_task_ended(served: ServedObservability) -> None:
    import asyncio

    async def crash() -> None:
        raise RuntimeError("boom")

    task = asyncio.run_coroutine_threadsafe(_spawn(crash), served.loop).result(5)
    served.clock.watch_task(task)
    time.sleep(0.1)
    status, body = probe(served, "/healthz")
    assert (status, body["reason"], body["error"]) == (503, "operator task ended", "RuntimeError")


async def _spawn(coro: Callable[[], Any]) -> Any:
    import asyncio

    task = asyncio.ensure_future(coro())
    await asyncio.sleep(0)
    task.add_done_callback(lambda t: t.exception())  # retrieved: no "never retrieved" warning
    return task


def test_readyz_turns_ready_after_the_initial_listing(served: ServedObservability) -> None:
    assert probe(served, "/readyz") == (503, {"status": "failing", "reason": "initial listing not done"})
    served.clock.mark_ready()
    assert probe(served, "/readyz") == (200, {"status": "ok", "reason": "ready"})


def test_one_port_can_serve_metrics_and_health(
    serve_observability: Callable[..., ServedObservability],
) -> None:
    port = free_port()
    served = serve_observability(metrics_port=port, health_port=port)
    assert len(served.servers.runners) == 1
    assert get(f"http://127.0.0.1:{port}/metrics")[0] == 200
    assert get(f"http://127.0.0.1:{port}/readyz")[0] == 503


def test_separate_ports_serve_only_their_own_paths(served: ServedObservability) -> None:
    assert get(f"http://{served.address('metrics')}/healthz")[0] == 404
    assert get(f"http://{served.address('health')}/metrics")[0] == 404


def test_port_zero_disables_an_endpoint(serve_observability: Callable[..., ServedObservability]) -> None:
    served = serve_observability(metrics_port=0)
    assert set(served.servers.addresses) == {"health"}
    served_none = serve_observability(metrics_port=0, health_port=0)
    assert served_none.servers.runners == []

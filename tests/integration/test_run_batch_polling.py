"""Batch polling: the cost of tracking runs follows the pipelines with active runs, not the runs.
Counted with the emulator's call counters while a dozen runs of two pipelines execute."""

from __future__ import annotations

import time
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.runs import Kube, calls, definition, run_manifest, slow, wait_for

PIPELINES, RUNS_PER_PIPELINE = 2, 6
POLL_MIN = 0.5  # the test operator's poll_min_seconds (tests/fixtures/operator.py)


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def test_one_listing_per_pipeline_per_tick_covers_all_its_runs(
    kube: Kube, operator: Any, emulator: Any
) -> None:
    steps = [slow("A", 2), slow("B", 2, depends_on=["A"]), slow("C", 2, depends_on=["B"])]
    names = [f"p{p}" for p in range(PIPELINES)]
    for name in names:
        kube.ready_pipeline(name, definition(*steps))
    runs = [f"{name}-run{i}" for name in names for i in range(RUNS_PER_PIPELINE)]
    for run in runs:
        kube.create(run_manifest(run, pipeline=run.split("-")[0]))
    wait_for(
        lambda: all(kube.status("PipelineRun", r).get("phase") == "Executing" for r in runs),
        what="all executing",
    )

    listed_before, described_before = (
        calls(emulator, "ListPipelineExecutions"),
        calls(emulator, "DescribePipelineExecution"),
    )
    started = time.monotonic()
    wait_for(
        lambda: all(kube.status("PipelineRun", r).get("phase") == "Succeeded" for r in runs),
        timeout=60,
        what="all succeeded",
    )
    elapsed = time.monotonic() - started
    listings = calls(emulator, "ListPipelineExecutions") - listed_before
    # At most one listing per pipeline per fastest tick (+1 each for the tick in flight at either
    # end); polling each run instead would need RUNS_PER_PIPELINE times as many calls.
    steps = calls(emulator, "ListPipelineExecutionSteps")
    print(f"\n{len(runs)} runs over {elapsed:.1f}s: {listings} listings, {steps} step listings in total")
    assert listings <= PIPELINES * (elapsed / POLL_MIN + 2), (listings, elapsed)
    assert calls(emulator, "DescribePipelineExecution") == described_before  # every run was in a listing

    for run in runs:
        status = kube.status("PipelineRun", run)
        assert status["stepSummary"] == "3/3" and [s["name"] for s in status["steps"]] == ["A", "B", "C"]

    # Finished runs cost nothing: no SageMaker calls while nothing is active.
    quiet = {op: calls(emulator, op) for op in ("ListPipelineExecutions", "ListPipelineExecutionSteps")}
    time.sleep(3)
    assert {op: calls(emulator, op) for op in quiet} == quiet
    prove_operator_alive(kube.api.api_client, kube.namespace)

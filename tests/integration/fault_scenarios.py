"""The fault scenarios as functions of their size: the integration tests run them scaled for CI,
`make bench` at the issue's full size. Each returns its figures and asserts correctness only,
never time. Not a test module."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.metrics import REGISTRY
from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.runs import FINAL, Kube, definition, job, pipeline_manifest, run_manifest, wait_for

STORM_SEED = 1414
"""Seeds the emulator's dice, so a storm throttles the same calls in every run of the suite."""


def throttles_counted() -> float:
    """smpo_sagemaker_throttles_total summed over operations (the process-wide registry)."""
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "smpo_sagemaker_throttles"
        for sample in metric.samples
        if sample.name == "smpo_sagemaker_throttles_total"
    )


@dataclass(frozen=True)
class StormFigures:
    pipelines: int
    runs: int
    seconds: float
    calls: int
    throttled: int
    updates: int
    counted: float

    def line(self) -> str:
        return (
            f"throttling storm: {self.pipelines} pipelines updated once, {self.runs} runs; "
            f"converged in {self.seconds:.1f}s; {self.calls} SageMaker calls, {self.throttled} "
            f"throttled ({self.throttled / max(self.calls, 1):.0%}); smpo_sagemaker_throttles_total "
            f"+{self.counted:.0f}"
        )


def _not_converged(kube: Kube, pipelines: list[str], runs: list[str]) -> list[str]:
    """What is still moving: Pipelines not Ready at generation 2, runs not finished."""
    lagging = []
    for name in pipelines:
        status = kube.status("Pipeline", name)
        ready = kube.condition("Pipeline", name, "Ready")
        if status.get("observedGeneration") != 2 or ready.get("status") != "True":
            lagging.append(f"{name}: gen {status.get('observedGeneration')} {ready.get('reason')}")
    for run in runs:
        phase = kube.status("PipelineRun", run).get("phase")
        if phase not in FINAL:
            lagging.append(f"{run}: {phase}")
    return lagging


def throttling_storm(
    kube: Kube, emulator: Any, start_operator: Any, sagemaker_client: Any, *, pipelines: int, runs: int
) -> StormFigures:
    """Half of all SageMaker calls throttled while `pipelines` Pipelines are created and updated
    once and `runs` PipelineRuns over them start and finish."""
    emulator.configure(
        fault_seed=STORM_SEED,
        faults=[{"operation": "*", "kind": "throttle", "count": None, "probability": 0.5}],
    )
    counted_before = throttles_counted()
    # The production drift interval, not the fixture's 2 s: a ListPipelines every second took half
    # of what the storm leaves through and made convergence a matter of luck.
    start_operator(resync_seconds=60.0)
    names = [f"storm{p}" for p in range(pipelines)]
    run_names = [f"storm{r % pipelines}-run{r}" for r in range(runs)]
    began = time.monotonic()
    for name in names:
        kube.create(pipeline_manifest(name, definition()))
    for run in run_names:
        kube.create(run_manifest(run, pipeline=run.split("-")[0]))
    for name in names:  # an update of a created pipeline: UpdatePipeline, not a bigger create
        wait_for(lambda name=name: kube.status("Pipeline", name).get("arn"), timeout=300, every=0.5)
        updated = definition(job("Prep"), job("Train", "Training", depends_on=["Prep"]), job("Eval"))
        kube.patch("Pipeline", name, {"spec": {"definition": {"inline": updated}}})
    try:
        wait_for(
            lambda: not _not_converged(kube, names, run_names),
            timeout=300 + 10 * runs,
            what="every Pipeline Ready at generation 2 and every run finished",
            every=0.5,
        )
    except AssertionError as exc:
        moving, calls = _not_converged(kube, names, run_names), emulator.counters()["operations"]
        raise AssertionError(f"{exc}; still moving: {moving}; emulator: {calls}") from None
    seconds = time.monotonic() - began
    emulator.configure(faults=[])
    operations = emulator.counters()["operations"]
    figures = StormFigures(
        pipelines=pipelines,
        runs=runs,
        seconds=seconds,
        calls=sum(op["calls"] for op in operations.values()),
        throttled=sum(op["errors"].get("ThrottlingException", 0) for op in operations.values()),
        updates=sum(1 for call in emulator.calls("UpdatePipeline") if call["status"] == 200),
        counted=throttles_counted() - counted_before,
    )
    _assert_one_execution_per_run(kube, sagemaker_client, names, run_names)
    prove_operator_alive(kube.api.api_client, kube.namespace)
    return figures


def _assert_one_execution_per_run(
    kube: Kube, sagemaker_client: Any, names: list[str], run_names: list[str]
) -> None:
    phases = Counter(kube.status("PipelineRun", run)["phase"] for run in run_names)
    assert phases == {"Succeeded": len(run_names)}, phases
    arns = [kube.status("PipelineRun", run)["executionArn"] for run in run_names]
    assert len(set(arns)) == len(run_names)
    live = set()
    for name in names:
        pages = sagemaker_client.get_paginator("list_pipeline_executions").paginate(PipelineName=name)
        live |= {s["PipelineExecutionArn"] for page in pages for s in page["PipelineExecutionSummaries"]}
    assert live == set(arns), f"executions without a run: {live - set(arns)}"

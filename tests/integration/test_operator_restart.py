"""What an operator restart costs in SageMaker calls: settled Pipelines share one ListPipelines
listing, finished PipelineRuns cost nothing, nothing is written; a Pipeline created after the
restart proves the new operator is at work."""

from __future__ import annotations

import json
import time
from typing import Any

from kubernetes import client

from tests.fixtures.runs import Kube, run_manifest, wait_for

PIPELINES = ("churn", "fraud", "recsys")
CANARY = "canary"


def last_call_time(emulator: Any) -> float:
    recorded = emulator.calls()
    return float(recorded[-1]["time"]) if recorded else float("-inf")


def calls_since(emulator: Any, mark: float) -> dict[str, int]:
    """Calls by operation the emulator received after `mark`, leaving out the canary's."""
    counted: dict[str, int] = {}
    for call in emulator.calls():
        if call["time"] > mark and CANARY not in json.dumps(call.get("request")):
            counted[call["operation"]] = counted.get(call["operation"], 0) + 1
    return counted


def test_restart_lists_settled_pipelines_once_and_leaves_finished_runs_alone(
    kube_api: client.ApiClient, namespace: str, start_operator: Any, emulator: Any
) -> None:
    kube = Kube(kube_api, namespace)
    first = start_operator()  # resyncs every 2 s: status learns each pipeline's modification time
    for name in PIPELINES:
        kube.ready_pipeline(name)
        for day in (1, 2):
            kube.create(run_manifest(f"{name}-day{day}", pipeline=name))
    for name in PIPELINES:
        for day in (1, 2):
            kube.wait_phase(f"{name}-day{day}", "Succeeded")
        wait_for(lambda n=name: kube.status("Pipeline", n).get("lastModifiedTime"), what=f"{name} resynced")
    first.stop()

    mark = last_call_time(emulator)
    start_operator(resync_seconds=600.0)  # the resume alone, no periodic check in the window
    kube.ready_pipeline(CANARY)
    time.sleep(3)  # any straggling resume pass would show within this

    assert calls_since(emulator, mark) == {"ListPipelines": 1}
    for name in PIPELINES:
        assert kube.condition("Pipeline", name, "Ready")["status"] == "True"
        assert kube.status("PipelineRun", f"{name}-day2")["phase"] == "Succeeded"

"""A ForEach fan-out through the operator: the SDK 3.x definition becomes Ready, its run Succeeds
in the emulator, and 500 iterations show as one bounded ForEach entry in status and kubectl."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from sagemaker_pipelines_operator.controlplane.binaries import find_binary
from tests.fixtures.runs import Kube, run_manifest

V3 = json.loads((Path(__file__).parents[1] / "data" / "definitions" / "foreach-v3.json").read_text())


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def fan_out_definition(items: int) -> dict[str, Any]:
    definition = copy.deepcopy(V3)
    regions = json.dumps([f"region-{n}" for n in range(items)])
    definition["Parameters"][0]["DefaultValue"] = regions
    arguments = definition["Steps"][0]["Arguments"]
    arguments["MaxConcurrency"] = 50
    arguments["ForEachBody"] = arguments["ForEachBody"][:1]  # ScoreRegion only
    return definition


def test_sdk3_for_each_run_succeeds_with_the_fan_out_in_status(kube: Kube, operator: Any) -> None:
    kube.ready_pipeline("per-region", V3)
    kube.create(run_manifest("per-region-1", pipeline="per-region"))
    status = kube.wait_phase("per-region-1", "Succeeded", "Failed")
    assert status["phase"] == "Succeeded", status.get("failureReason")
    assert [(s["name"], s["type"], s["status"]) for s in status["steps"]] == [
        ("PerRegion", "ForEach", "Succeeded"),
        ("Report", "Lambda", "Succeeded"),
    ]
    assert status["steps"][0]["forEach"] == {
        "items": 3,
        "totalSteps": 6,
        "succeededSteps": 6,
        "runningSteps": 0,
        "failedSteps": 0,
        "stoppedSteps": 0,
        "failedIterations": [],
    }
    assert status["stepSummary"] == "2/2, PerRegion 6/6"


def test_five_hundred_iterations_make_one_bounded_status_entry_shown_by_kubectl(
    kube: Kube, operator: Any, kubeconfig_path: Path, namespace: str
) -> None:
    kube.ready_pipeline("fan-out", fan_out_definition(500))
    kube.create(run_manifest("fan-out-1", pipeline="fan-out"))
    status = kube.wait_phase("fan-out-1", "Succeeded", "Failed", timeout=120)
    assert status["phase"] == "Succeeded", status.get("failureReason")
    assert [s["name"] for s in status["steps"]] == ["PerRegion", "Report"]
    progress = status["steps"][0]["forEach"]
    assert (progress["items"], progress["totalSteps"], progress["succeededSteps"]) == (500, 500, 500)
    assert status["stepSummary"] == "2/2, PerRegion 500/500"
    assert len(json.dumps(status)) < 4_000
    table = subprocess.run(
        [str(find_binary("kubectl")), "--kubeconfig", str(kubeconfig_path), "get", "smpr", "-n", namespace],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    row = next(line for line in table.splitlines() if line.startswith("fan-out-1"))
    assert "Succeeded" in row and "2/2, PerRegion 500/500" in row

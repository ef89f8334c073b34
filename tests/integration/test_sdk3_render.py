"""SDK 3.x end to end: `smpo render` in the SDK 3.x environment (hack/sdk3venv.sh, cached outside
the repo) turns tests/data/sdk3/per_region.py, a ForEach pipeline, into a manifest that
validates, becomes Ready through the operator and runs to Succeeded in the emulator, with the
fan-out in the PipelineRun's status and in `kubectl get smpr`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from sagemaker_pipelines_operator.controlplane.binaries import find_binary
from sagemaker_pipelines_operator.definition import validate_definition
from sagemaker_pipelines_operator.definition.steps import iter_steps
from tests.fixtures.runs import Kube, run_manifest
from tests.fixtures.sdk3 import offline_env

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "tests" / "data" / "sdk3" / "per_region.py"
ROLE = "arn:aws:iam::111122223333:role/SageMakerPipelines"


@pytest.fixture(scope="module")
def rendered(sdk3_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("sdk3-home")
    env = offline_env(home)
    command = [str(sdk3_python), "-m", "sagemaker_pipelines_operator", "render", f"{PIPELINE}:pipeline"]
    done = subprocess.run(
        [*command, "--role-arn", ROLE, "--region", "us-east-1"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    manifest: dict[str, Any] = yaml.safe_load(done.stdout)
    return manifest


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def test_sdk3_renders_the_for_each_pipeline_as_sagemaker_mlops_writes_it(rendered: dict[str, Any]) -> None:
    definition = rendered["spec"]["definition"]["inline"]
    assert rendered["metadata"]["name"] == "perregionscores"
    assert {"PipelineExperimentConfig", "MlflowConfig"} <= definition.keys()
    refs = {ref.name: ref for ref in iter_steps(definition)}
    assert (refs["PerRegion"].type, refs["ScoreRegion"].for_each, refs["PublishRegion"].for_each) == (
        "ForEach",
        "PerRegion",
        "PerRegion",
    )
    arguments = refs["PerRegion"].body["Arguments"]
    assert arguments["IterableItems"] == {"Get": "Parameters.Regions"} and arguments["MaxConcurrency"] == 2
    assert refs["ScoreRegion"].body["Arguments"]["region"] == {"Get": "ForEach.CurrentItem"}
    assert refs["CleanReport"].body["DependsOn"] == ["Report"]
    assert {ref.type for ref in refs.values()} == {"ForEach", "Lambda", "Cleanup", "Condition", "Fail"}
    assert validate_definition(definition) == []


def test_sdk3_for_each_pipeline_runs_through_the_operator(
    rendered: dict[str, Any], kube: Kube, operator: Any, emulator: Any, kubeconfig_path: Path
) -> None:
    emulator.set_outcomes([{"step": "ScoreRegion", "outputs": {"score": 0.5}}])
    kube.create(rendered)
    name = rendered["metadata"]["name"]
    kube.create(run_manifest("per-region-1", pipeline=name))
    status = kube.wait_phase("per-region-1", "Succeeded", "Failed", timeout=60)
    assert status["phase"] == "Succeeded", status.get("failureReason")
    types = {s["name"]: s["type"] for s in status["steps"]}
    assert types == {
        "PerRegion": "ForEach",
        "Report": "Lambda",
        "CleanReport": "Cleanup",
        "AllScored": "Condition",
    }
    progress = status["steps"][0]["forEach"]
    assert (progress["items"], progress["succeededSteps"], progress["selected"]) == (3, 6, "ScoreRegion-0")
    assert status["stepSummary"] == "4/4, PerRegion 6/6"
    table = subprocess.run(
        [
            str(find_binary("kubectl")),
            "--kubeconfig",
            str(kubeconfig_path),
            "get",
            "smpr",
            "-n",
            kube.namespace,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "4/4, PerRegion 6/6" in next(
        line for line in table.splitlines() if line.startswith("per-region-1")
    )

"""`smpo rerun RUN` as a separate process against the real API server: the printed manifest is the
same run pinned to the version it ran, and applying it runs that version again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.fixtures.pipelines import job, steps
from tests.fixtures.runs import Kube, definition, run_manifest, wait_for

SMPO = [sys.executable, "-m", "sagemaker_pipelines_operator"]


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def rerun(kubeconfig: Path, namespace: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMPO, "rerun", "--kubeconfig", str(kubeconfig), "-n", namespace, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_rerun_prints_the_run_pinned_to_its_version_and_applying_it_runs_that_version(
    kube: Kube, operator: Any, sagemaker_client: Any, kubeconfig_path: Path, namespace: str
) -> None:
    kube.ready_pipeline(definition_doc=definition(job("March"), parameters=[]))
    kube.create(run_manifest("march", parameters={}, mlflowExperimentName="audit", timeoutSeconds=600))
    first = kube.wait_phase("march", "Succeeded")
    kube.patch(
        "Pipeline", "train", {"spec": {"definition": {"inline": definition(job("April"), parameters=[])}}}
    )
    wait_for(lambda: kube.status("Pipeline", "train").get("pipelineVersionId") == 2, what="version 2 applied")

    done = rerun(kubeconfig_path, namespace, "march")
    assert done.returncode == 0, done.stderr
    manifest = yaml.safe_load(done.stdout)
    assert manifest["metadata"] == {
        "name": "march-rerun",
        "namespace": namespace,
        "annotations": {
            "sagemaker.pipelines.dev/rerun-of": f"{namespace}/march",
            "sagemaker.pipelines.dev/rerun-of-execution": first["executionArn"],
        },
    }
    assert manifest["spec"] == {
        "pipelineRef": {"name": "train"},
        "pipelineVersion": {"id": 1},
        "mlflowExperimentName": "audit",
        "timeoutSeconds": 600,
    }
    kube.create(manifest)
    again = kube.wait_phase("march-rerun", "Succeeded")
    assert again["pipelineVersionId"] == 1
    assert list(steps(sagemaker_client, again["executionArn"])) == ["March"]


def test_rerun_of_a_missing_or_unstarted_run_says_why_and_prints_nothing(
    kube: Kube, kubeconfig_path: Path, namespace: str
) -> None:
    missing = rerun(kubeconfig_path, namespace, "nope")
    assert (missing.returncode, missing.stdout) == (1, "")
    assert f"pipelineruns {namespace}/nope not found" in missing.stderr
    kube.create(run_manifest("waiting", pipeline="absent"))
    unstarted = rerun(kubeconfig_path, namespace, "waiting")
    assert (unstarted.returncode, unstarted.stdout) == (1, "")
    assert (
        "has no status.pipelineVersionId (phase Pending): it never started a version to pin"
        in unstarted.stderr
    )

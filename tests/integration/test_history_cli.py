"""`smpo history` and `smpo compare` as separate processes, against the real API server and the
emulator: a champion and a challenger version, a run of each, read back from the cluster and from
SageMaker alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.pipelines import job
from tests.fixtures.runs import Kube, definition, run_manifest, wait_for

SMPO = [sys.executable, "-m", "sagemaker_pipelines_operator"]
SHA = "3f2a9c1d5e7b8a90123456789abcdef012345678"
CHAMPION = definition(job("Prep"), job("Train", "Training", depends_on=["Prep"]))
CHALLENGER = definition(
    job("Prep"), job("TrainDeeper", "Training", depends_on=["Prep"], description="emulator:fail")
)


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def smpo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMPO, *args], capture_output=True, text=True, timeout=60, check=False, env={**os.environ, **env}
    )


@pytest.fixture
def champion_and_challenger_runs(kube: Kube, operator: Any) -> dict[str, Any]:
    kube.ready_pipeline(definition_doc=CHAMPION, versionAliases=[{"name": "champion"}])
    wait_for(lambda: kube.status("Pipeline", "train").get("versionAliases"), what="champion applied")
    kube.patch(
        "Pipeline",
        "train",
        {
            "metadata": {"annotations": {"sagemaker.pipelines.dev/git-revision": SHA}},
            "spec": {
                "definition": {"inline": CHALLENGER},
                "versionAliases": [{"name": "champion", "versionId": 1}, {"name": "challenger"}],
            },
        },
    )
    wait_for(lambda: (kube.status("Pipeline", "train").get("lineage") or {}).get("versionId") == 2, what="v2")
    kube.create(
        run_manifest(
            "champion-run", pipelineVersion={"alias": "champion"}, parameters={"Dataset": "s3://d/1"}
        )
    )
    kube.create(
        run_manifest(
            "challenger-run", pipelineVersion={"alias": "challenger"}, parameters={"Dataset": "s3://d/1"}
        )
    )
    return {
        "champion": kube.wait_phase("champion-run", "Succeeded"),
        "challenger": kube.wait_phase("challenger-run", "Failed"),
        "pipeline": kube.status("Pipeline", "train"),
    }


def test_history_from_the_cluster_lists_versions_with_their_runs(
    champion_and_challenger_runs: dict[str, Any],
    kubeconfig_path: Path,
    namespace: str,
    aws_test_env: dict[str, str],
) -> None:
    done = smpo(aws_test_env, "history", "train", "-n", namespace, "--kubeconfig", str(kubeconfig_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Pipeline train: 2 version(s)"
    applied = champion_and_challenger_runs["pipeline"]["definitionHash"][:12]
    assert lines[1] == f"version 2 [challenger]  hash {applied}  git {SHA}"
    assert lines[2].split()[:2] == ["challenger-run", "Failed"]
    assert lines[2].endswith("Dataset=s3://d/1  failed at TrainDeeper")
    assert lines[3].startswith("version 1 [champion]")
    assert lines[4].split()[:2] == ["champion-run", "Succeeded"] and lines[4].endswith("Dataset=s3://d/1")


def test_history_from_sagemaker_alone_shows_the_same_versions_and_executions(
    champion_and_challenger_runs: dict[str, Any], aws_test_env: dict[str, str]
) -> None:
    name = champion_and_challenger_runs["pipeline"]["pipelineName"]
    done = smpo(aws_test_env, "history", name, "--from-sagemaker", "--region", "us-east-1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    applied = champion_and_challenger_runs["pipeline"]["definitionHash"][:12]
    assert lines[1].startswith(f"version 2 [challenger]  hash {applied}  git {SHA}  created ")
    assert lines[2].split()[:2] == ["challenger-run", "Failed"] and lines[2].endswith("failed at TrainDeeper")
    assert lines[3].startswith("version 1 [champion]")
    assert lines[4].split()[:2] == ["champion-run", "Succeeded"]
    missing = smpo(aws_test_env, "history", "no-such-pipeline", "--from-sagemaker", "--region", "us-east-1")
    assert (missing.returncode, missing.stdout) == (1, "")
    assert "does not exist" in missing.stderr


def test_compare_shows_versions_parameters_and_step_outcomes_side_by_side(
    champion_and_challenger_runs: dict[str, Any],
    kubeconfig_path: Path,
    namespace: str,
    aws_test_env: dict[str, str],
) -> None:
    done = smpo(
        aws_test_env,
        "compare",
        "champion-run",
        "challenger-run",
        "-n",
        namespace,
        "--kubeconfig",
        str(kubeconfig_path),
    )
    assert done.returncode == 0, done.stderr
    rows: dict[str, tuple[bool, str, str]] = {}
    for line in done.stdout.splitlines():
        cells = re.split(r"\s{2,}", line[2:].strip())
        if line[:1] in "* " and len(cells) == 3:
            rows[cells[0]] = (line.startswith("*"), cells[1], cells[2])
    assert rows["version"] == (True, "1", "2")
    assert rows["alias"] == (True, "champion", "challenger")
    assert rows["version git revision"] == (True, "-", SHA)
    assert rows["phase"] == (True, "Succeeded", "Failed")
    assert rows["Dataset"] == (False, "s3://d/1", "s3://d/1")
    assert rows["Prep"][1].startswith("Succeeded") and rows["Prep"][2].startswith("Succeeded")
    assert rows["Train"][1].startswith("Succeeded") and rows["Train"][2] == "-"
    assert rows["TrainDeeper"][1] == "-" and rows["TrainDeeper"][2].startswith("Failed")
    missing = smpo(
        aws_test_env, "compare", "champion-run", "nope", "-n", namespace, "--kubeconfig", str(kubeconfig_path)
    )
    assert missing.returncode == 1 and f"pipelineruns {namespace}/nope not found" in missing.stderr


def test_diff_between_two_versions_shows_the_definition_change(
    champion_and_challenger_runs: dict[str, Any], aws_test_env: dict[str, str]
) -> None:
    name = champion_and_challenger_runs["pipeline"]["pipelineName"]
    done = smpo(aws_test_env, "diff", "--versions", name, "1", "2", "--region", "us-east-1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [f"--- {name} version 1", f"+++ {name} version 2"]
    assert any(line.startswith("-") and '"Train"' in line for line in lines)
    assert any(line.startswith("+") and '"TrainDeeper"' in line for line in lines)
    same = smpo(aws_test_env, "diff", "--versions", name, "2", "2", "--region", "us-east-1")
    assert same.stdout == f"{name}: versions 2 and 2 have the same definition\n"
    bad = smpo(aws_test_env, "diff", "--versions", name, "1", "two", "--region", "us-east-1")
    assert bad.returncode == 2 and "needs two version ids" in bad.stderr
    missing = smpo(aws_test_env, "diff", "--versions", name, "1", "9", "--region", "us-east-1")
    assert missing.returncode == 1 and "does not exist" in missing.stderr

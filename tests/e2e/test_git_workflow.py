"""The pull-request workflow end to end, with a real git repository: main is applied to the cluster
(operator + emulator); a branch changes a step and a parameter; `smpo validate` passes and
`smpo diff` shows exactly those two changes; after the merge and `kubectl apply` the operator
updates SageMaker and `smpo diff` shows nothing left to do."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sagemaker_pipelines_operator.cli.main import main
from sagemaker_pipelines_operator.definition import definition_hash, parse_definition
from tests.e2e.pipeline_wait import wait_ready
from tests.fixtures.chart import kubectl

pytestmark = pytest.mark.e2e

PIPELINE = """\
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: Pipeline
metadata:
  name: churn
spec:
  roleArn: arn:aws:iam::123456789012:role/SageMakerPipelines
  description: Churn model retraining
  tags:
    team: growth
  definition:
    inline:
      Version: "2020-12-01"
      Parameters:
        - Name: InputUrl
          Type: String
          DefaultValue: s3://example-ml-data/churn/
        - Name: Epochs
          Type: Integer
          DefaultValue: 10
      Steps:
        - Name: Prepare
          Type: Processing
          Arguments:
            AppSpecification:
              ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-prep:1
        - Name: Train
          Type: Training
          DependsOn: [Prepare]
          Arguments:
            AlgorithmSpecification:
              TrainingImage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-train:1
              TrainingInputMode: File
"""
CHANGED_STEP = ("churn-train:1", "churn-train:2")
CHANGED_PARAMETER = ("DefaultValue: 10", "DefaultValue: 20")


def git(repo: Path, *args: str) -> str:
    identity = [
        "-c",
        "user.name=Reviewer",
        "-c",
        "user.email=reviewer@example.com",
        "-c",
        "commit.gpgsign=false",
    ]
    done = subprocess.run(["git", *identity, *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def smpo(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, out


def diff_report(capsys: pytest.CaptureFixture[str], repo: Path, namespace: str) -> dict[str, Any]:
    code, out = smpo(
        capsys,
        "diff",
        str(repo / "pipelines"),
        "--namespace",
        namespace,
        "--region",
        "us-east-1",
        "--format",
        "json",
    )
    assert code == 0
    report: dict[str, Any] = json.loads(out)
    return report


def changed_lines(diff: str) -> list[str]:
    """The -/+ lines of a unified diff, without the file headers, indentation dropped."""
    return [
        line[0] + line[1:].strip()
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]


def test_branch_diff_shows_exactly_its_changes_and_nothing_after_merge_and_apply(
    *,
    tmp_path: Path,
    kubeconfig_path: Path,
    kube_api: Any,
    namespace: str,
    operator: Any,
    sagemaker_client: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = tmp_path / "ml-pipelines"
    (repo / "pipelines").mkdir(parents=True)
    manifest = repo / "pipelines" / "churn.yaml"
    manifest.write_text(PIPELINE)
    git(repo, "init", "--quiet", "--initial-branch", "main")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "Churn pipeline")

    # main is what the cluster runs (Argo CD / Flux would apply it; here kubectl does).
    kubectl(kubeconfig_path, "apply", "--namespace", namespace, "-f", str(repo / "pipelines"))
    wait_ready(kube_api, namespace, "churn")
    report = diff_report(capsys, repo, namespace)
    assert [(p["action"], p["definition_diff"]) for p in report["pipelines"]] == [("none", "")]

    # The pull request: one step and one parameter change.
    git(repo, "checkout", "--quiet", "-b", "faster-training")
    text = manifest.read_text()
    for old, new in (CHANGED_STEP, CHANGED_PARAMETER):
        assert text.count(old) == 1
        text = text.replace(old, new)
    manifest.write_text(text)
    git(repo, "commit", "--quiet", "-am", "Train image 2, 20 epochs by default")

    assert smpo(capsys, "validate", str(repo / "pipelines"))[0] == 0
    [change] = diff_report(capsys, repo, namespace)["pipelines"]
    assert change["action"] == "update"
    assert change["settings"] == [] and change["tags_added"] == {} and change["tags_removed"] == {}
    assert changed_lines(change["definition_diff"]) == [
        '-"DefaultValue": 10,',
        '+"DefaultValue": 20,',
        '-"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-train:1",',
        '+"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-train:2",',
    ]
    live = sagemaker_client.describe_pipeline(PipelineName="churn")
    assert "churn-train:1" in live["PipelineDefinition"], "smpo diff changed nothing in SageMaker"

    # Merge, apply, and the operator brings SageMaker to the new definition.
    git(repo, "checkout", "--quiet", "main")
    git(repo, "merge", "--quiet", "--no-ff", "-m", "Merge faster-training", "faster-training")
    kubectl(kubeconfig_path, "apply", "--namespace", namespace, "-f", str(repo / "pipelines"))
    body = wait_ready(kube_api, namespace, "churn")
    desired = parse_definition(json.dumps(_inline(manifest)))
    assert body["status"]["definitionHash"] == definition_hash(desired)
    live = sagemaker_client.describe_pipeline(PipelineName="churn")
    assert definition_hash(parse_definition(live["PipelineDefinition"])) == definition_hash(desired)

    report = diff_report(capsys, repo, namespace)
    assert [(p["action"], p["definition_diff"], p["settings"]) for p in report["pipelines"]] == [
        ("none", "", [])
    ]
    code, out = smpo(
        capsys, "diff", str(repo / "pipelines"), "--namespace", namespace, "--format", "markdown"
    )
    assert code == 0
    assert out.splitlines()[-1] == "Plan: 1 none."


def _inline(path: Path) -> dict[str, Any]:
    import yaml

    inline: dict[str, Any] = yaml.safe_load(path.read_text())["spec"]["definition"]["inline"]
    return inline

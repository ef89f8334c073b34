"""`smpo diff` against the emulator over HTTP: the planned actions, the definition diff, whether
runs would start, and that only read operations reach SageMaker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagemaker_pipelines_operator.cli.main import main
from tests.fixtures.pipelines import ROLE, job, parameter, token, wait

pytestmark = pytest.mark.integration

READ_ONLY = {"DescribePipeline", "ListTags", "ListPipelineExecutions"}
OWNER_TAG = {"Key": "sagemaker.pipelines.dev/owner", "Value": "default/ml/churn"}

MANIFESTS = f"""\
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: Pipeline
metadata: {{name: churn, namespace: ml}}
spec:
  roleArn: {ROLE}
  tags: {{team: growth}}
  definition:
    inline:
      Version: "2020-12-01"
      Parameters:
        - {{Name: Epochs, Type: Integer, DefaultValue: 20}}
      Steps:
        - Name: Train
          Type: Training
          Arguments: {{RoleArn: "{ROLE}"}}
---
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: PipelineRun
metadata: {{name: churn-first, namespace: ml}}
spec:
  pipelineRef: {{name: churn}}
---
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: PipelineRun
metadata: {{name: churn-second, namespace: ml}}
spec:
  pipelineRef: {{name: churn}}
  parameters: {{Epochs: "5"}}
"""


def live_definition(epochs: int) -> str:
    body = {
        "Version": "2020-12-01",
        "Parameters": [parameter("Epochs", "Integer", epochs)],
        "Steps": [job("Train", "Training")],
    }
    return json.dumps(body)


def create_live(client: Any, tags: list[dict[str, str]], epochs: int = 10) -> str:
    response = client.create_pipeline(
        PipelineName="churn",
        PipelineDefinition=live_definition(epochs),
        RoleArn=ROLE,
        ClientRequestToken=token(),
        Tags=tags,
    )
    return str(response["PipelineArn"])


def smpo_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    path = tmp_path / "manifests.yaml"
    if not path.exists():
        path.write_text(MANIFESTS)
    code = main(["diff", str(path), "--region", "us-east-1", *flags])
    out, err = capsys.readouterr()
    return code, out, err


def operations(emulator: Any) -> dict[str, int]:
    return {name: entry["calls"] for name, entry in emulator.counters()["operations"].items()}


def test_diff_makes_only_read_calls(
    emulator: Any,
    sagemaker_client: Any,
    aws_test_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_live(sagemaker_client, [OWNER_TAG, {"Key": "team", "Value": "growth"}])
    before = operations(emulator)
    for fmt in ("text", "markdown", "json"):
        assert smpo_diff(tmp_path, capsys, "--format", fmt)[0] == 0
    after = operations(emulator)
    called = {name for name in after if after[name] != before.get(name, 0)}
    assert called == READ_ONLY
    assert emulator.counters()["executions"]["started"] == 0


def test_diff_shows_the_changed_default_and_the_update(
    emulator: Any,
    sagemaker_client: Any,
    aws_test_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_live(sagemaker_client, [OWNER_TAG, {"Key": "team", "Value": "growth"}], epochs=10)
    code, out, _ = smpo_diff(tmp_path, capsys, "--format", "json")
    report = json.loads(out)
    [pipeline] = report["pipelines"]
    assert code == 0
    assert pipeline["action"] == "update"
    changed = [
        line
        for line in pipeline["definition_diff"].splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    assert changed == ['-      "DefaultValue": 10,', '+      "DefaultValue": 20,']
    assert [(r["resource"], r["starts"], r["parameters"]) for r in report["runs"]] == [
        ("PipelineRun ml/churn-first", True, {"Epochs": "20"}),
        ("PipelineRun ml/churn-second", True, {"Epochs": "5"}),
    ]


def test_missing_pipeline_would_be_created(
    emulator: Any, aws_test_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = smpo_diff(tmp_path, capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("Pipeline ml/churn -> SageMaker pipeline churn (us-east-1): create")
    assert "  tags set: team=growth, sagemaker.pipelines.dev/owner=default/ml/churn" in out
    assert out.splitlines()[-1] == "Plan: 1 create; 2 of 2 PipelineRun(s) would start."


def test_run_that_already_ran_would_not_start_again(
    emulator: Any,
    sagemaker_client: Any,
    aws_test_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_live(sagemaker_client, [OWNER_TAG, {"Key": "team", "Value": "growth"}], epochs=20)
    arn = sagemaker_client.start_pipeline_execution(
        PipelineName="churn", PipelineExecutionDisplayName="churn-first", ClientRequestToken=token()
    )["PipelineExecutionArn"]
    wait(sagemaker_client, arn)
    code, out, _ = smpo_diff(tmp_path, capsys, "--format", "markdown")
    assert code == 0
    assert "| `Pipeline ml/churn` | `churn` (us-east-1) | none | - |" in out
    assert f"| `PipelineRun ml/churn-first` | `churn` | no | already ran: execution {arn} (Succeeded)" in out
    assert "| `PipelineRun ml/churn-second` | `churn` | yes |" in out


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        pytest.param(
            [{"Key": "sagemaker.pipelines.dev/owner", "Value": "prod/ml/churn"}],
            "SageMaker pipeline churn is managed by prod/ml/churn",
            id="owned-by-another-cluster",
        ),
        pytest.param([], "no resource owns it; set adoptionPolicy: Adopt", id="unowned"),
    ],
)
def test_pipeline_owned_elsewhere_is_refused_and_fails(
    emulator: Any,
    sagemaker_client: Any,
    aws_test_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    tags: list[dict[str, str]],
    message: str,
) -> None:
    create_live(sagemaker_client, tags)
    code, out, err = smpo_diff(tmp_path, capsys)
    assert code == 1
    assert ": refuse  [" in out.splitlines()[0]
    assert message in err


def test_cluster_id_must_match_the_operators(
    emulator: Any,
    sagemaker_client: Any,
    aws_test_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_live(
        sagemaker_client, [{"Key": "sagemaker.pipelines.dev/owner", "Value": "prod/ml/churn"}], epochs=20
    )
    code, out, _ = smpo_diff(tmp_path, capsys, "--cluster-id", "prod")
    assert code == 0
    assert out.splitlines()[0].endswith(": update  [" + str(tmp_path / "manifests.yaml") + ":1]")
    assert "tags set: team=growth" in out


def test_invalid_manifests_are_not_diffed(
    emulator: Any, aws_test_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "manifests.yaml").write_text(MANIFESTS.replace('{Epochs: "5"}', "{Epoch: '5'}"))
    before = operations(emulator)
    code, out, err = smpo_diff(tmp_path, capsys)
    assert (code, out) == (1, "")
    assert "unknown parameter 'Epoch'" in err
    assert operations(emulator) == before

"""`smpo render` with no AWS at all: the typical SDK pipeline (a ProcessingOutput without a
destination makes the SDK look up its default bucket) renders with every AWS endpoint on a closed
port and no credentials, and its gate scenarios pass in `smpo test` unmodified. A pipeline with
local code is refused with its uploads listed; `--upload` sends them to S3 (moto's server here)
under content-addressed keys, so rendering again gives the same definition."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.e2e

SDK_DATA = Path(__file__).resolve().parents[1] / "data" / "sdk"
ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
GATE_SCENARIOS = """\
pipeline: churntraining
scenarios:
  - name: AUC 0.7 fails the run with the message
    steps:
      Evaluate: {propertyFiles: {EvaluationReport: {metrics: {auc: {value: 0.7}}}}}
    expect:
      phase: Failed
      notRun: [Register-RegisterModel]
      branches: {CheckAuc: false}
      failureMessage: AUC is below 0.8
  - name: AUC 0.9 registers the model
    steps:
      Evaluate: {propertyFiles: {EvaluationReport: {metrics: {auc: {value: 0.9}}}}}
    expect:
      phase: Succeeded
      ran: [Register-RegisterModel]
      notRun: [AucTooLow]
      branches: {CheckAuc: true}
"""


def offline_env(home: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Any AWS call that escaped would go here and fail.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
        **extra,
    }


def smpo(*argv: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sagemaker_pipelines_operator", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def render(tmp_path: Path, module: str, *flags: str, **env: str) -> subprocess.CompletedProcess[str]:
    shutil.copytree(SDK_DATA, tmp_path / "sdk", dirs_exist_ok=True)
    argv = ["render", f"{module}:pipeline", "--role-arn", ROLE, "--region", "us-east-1", *flags]
    return smpo(*argv, cwd=tmp_path / "sdk", env=offline_env(tmp_path, **env))


def steps_of(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for step in definition["Steps"]:
        found[step["Name"]] = step
        for branch in ("IfSteps", "ElseSteps"):
            found.update({s["Name"]: s for s in step.get("Arguments", {}).get(branch, [])})
    return found


def test_typical_sdk_pipeline_renders_offline_and_its_gate_scenarios_pass(tmp_path: Path) -> None:
    manifest_path = tmp_path / "pipelines" / "churn.yaml"
    manifest_path.parent.mkdir()
    done = render(tmp_path, "churn_training", "-o", str(manifest_path))
    assert done.returncode == 0, done.stderr
    definition = yaml.safe_load(manifest_path.read_text())["spec"]["definition"]["inline"]
    steps = steps_of(definition)
    outputs = steps["Prepare"]["Arguments"]["ProcessingOutputConfig"]["Outputs"]
    # The URI the SDK computes from its default bucket: s3://<bucket>/<pipeline>/<step>/output/<name>
    assert outputs[0]["S3Output"]["S3Uri"]["Std:Join"]["Values"][:2] == ["s3:/", "acme-ml-artifacts"]
    gate = steps["CheckAuc"]["Arguments"]["Conditions"][0]["LeftValue"]
    assert gate == {
        "Std:JsonGet": {
            "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
            "Path": "metrics.auc.value",
        }
    }
    (tmp_path / "pipelines" / "tests").mkdir()
    (tmp_path / "pipelines" / "tests" / "churn.test.yaml").write_text(GATE_SCENARIOS)
    tested = smpo("test", "pipelines", cwd=tmp_path, env=offline_env(tmp_path))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.splitlines()[-1].startswith("OK: 2 scenario(s), 2 passed, 0 failed")


def test_local_code_is_refused_offline_with_the_uploads_listed(tmp_path: Path) -> None:
    done = render(tmp_path, "churn_with_code")
    assert done.returncode == 1
    assert done.stdout == ""
    message = done.stderr[done.stderr.index("smpo render: the pipeline uploads local code") :]
    lines = message.splitlines()
    assert lines[1].startswith("  s3://acme-ml-artifacts/ChurnWithCode/code/")
    assert lines[1].endswith("/prepare.py")
    assert lines[2].endswith("/sourcedir.tar.gz")
    assert lines[3].startswith("Render with --upload where AWS credentials may write there")


def test_upload_sends_code_to_content_addressed_keys(tmp_path: Path, moto: str, s3_client: Any) -> None:
    s3_client.create_bucket(Bucket="acme-ml-artifacts")
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL_S3": moto,
    }
    first = render(tmp_path, "churn_with_code", "--upload", "-o", str(tmp_path / "a.yaml"), **credentials)
    assert first.returncode == 0, first.stderr
    listed = s3_client.list_objects_v2(Bucket="acme-ml-artifacts")["Contents"]
    keys = sorted((o["Key"] for o in listed), key=lambda key: key.rsplit("/", 1)[1])
    assert [key.rsplit("/", 1)[1] for key in keys] == ["prepare.py", "sourcedir.tar.gz"]
    assert all(key.startswith("ChurnWithCode/code/") for key in keys)
    body = s3_client.get_object(Bucket="acme-ml-artifacts", Key=keys[0])["Body"].read()
    assert body == (SDK_DATA / "code" / "prepare.py").read_bytes()
    assert f"smpo render: uploaded s3://acme-ml-artifacts/{keys[0]}" in first.stderr
    second = render(tmp_path, "churn_with_code", "--upload", "-o", str(tmp_path / "b.yaml"), **credentials)
    assert second.returncode == 0, second.stderr
    definitions = [
        json.dumps(yaml.safe_load((tmp_path / name).read_text())["spec"], sort_keys=True)
        for name in ("a.yaml", "b.yaml")
    ]
    assert definitions[0] == definitions[1]

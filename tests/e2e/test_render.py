"""`smpo render` with the real sagemaker SDK: a pipeline with parameters, a processing step, a
condition and a fail step becomes a manifest that `smpo validate` accepts and the operator applies
to the emulator. Rendering runs with no AWS credentials and a dead endpoint: it makes no AWS call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagemaker_pipelines_operator.cli.main import main
from sagemaker_pipelines_operator.definition import definition_hash, parse_definition
from tests.e2e.pipeline_wait import wait_ready
from tests.fixtures.chart import kubectl

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
SDK_MODULE = """\
from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.steps import ProcessingStep

ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
# A named bucket: the SDK would otherwise ask STS and S3 for its default bucket.
session = PipelineSession(default_bucket="example-ml-artifacts")

instance_type = ParameterString("InstanceType", default_value="ml.m5.large")
min_rows = ParameterInteger("MinRows", default_value=1000)
threshold = ParameterFloat("AccuracyThreshold", default_value=0.8)

processor = Processor(
    role=ROLE,
    image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-prep:1",
    entrypoint=["python3", "/opt/program/prepare.py"],
    instance_count=1,
    instance_type=instance_type,
    sagemaker_session=session,
)
prepare = ProcessingStep(
    name="Prepare",
    step_args=processor.run(
        inputs=[
            ProcessingInput(source="s3://example-ml-data/churn/raw/", destination="/opt/ml/processing/input")
        ],
        outputs=[
            ProcessingOutput(
                output_name="train",
                source="/opt/ml/processing/train",
                destination="s3://example-ml-artifacts/churn/train/",
            )
        ],
    ),
)
too_small = FailStep(name="TooFewRows", error_message="not enough rows to train on")
check = ConditionStep(
    name="EnoughRows",
    conditions=[ConditionGreaterThanOrEqualTo(left=min_rows, right=500)],
    if_steps=[],
    else_steps=[too_small],
    depends_on=[prepare],
)
pipeline = Pipeline(
    name="ChurnPrepare",
    parameters=[instance_type, min_rows, threshold],
    steps=[prepare, check],
    sagemaker_session=session,
)
"""


def render(tmp_path: Path) -> Path:
    (tmp_path / "churn_sdk.py").write_text(SDK_MODULE)
    output = tmp_path / "churn-prepare.yaml"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Any AWS call would go here and fail: rendering must not need one.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }
    argv = ["render", "churn_sdk:pipeline", "-o", str(output), "--role-arn", ROLE, "--region", "us-east-1"]
    done = subprocess.run(
        [sys.executable, "-m", "sagemaker_pipelines_operator", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    return output


def test_sdk_pipeline_renders_validates_and_is_applied_by_the_operator(
    *,
    tmp_path: Path,
    kubeconfig_path: Path,
    kube_api: Any,
    namespace: str,
    operator: Any,
    sagemaker_client: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = render(tmp_path)
    manifest = yaml.safe_load(path.read_text())
    inline = manifest["spec"]["definition"]["inline"]
    assert manifest["metadata"] == {"name": "churnprepare"}
    assert manifest["spec"]["pipelineName"] == "ChurnPrepare"
    assert [p["Name"] for p in inline["Parameters"]] == ["InstanceType", "MinRows", "AccuracyThreshold"]
    assert [(s["Name"], s["Type"]) for s in inline["Steps"]] == [
        ("Prepare", "Processing"),
        ("EnoughRows", "Condition"),
    ]
    assert inline["Steps"][1]["Arguments"]["ElseSteps"][0]["Type"] == "Fail"

    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("valid: 1 resource(s)")

    kubectl(kubeconfig_path, "apply", "--namespace", namespace, "-f", str(path))
    body = wait_ready(kube_api, namespace, "churnprepare")
    live = sagemaker_client.describe_pipeline(PipelineName="ChurnPrepare")
    assert definition_hash(parse_definition(live["PipelineDefinition"])) == definition_hash(inline)
    assert body["status"]["definitionHash"] == definition_hash(inline)
    assert {p["name"] for p in body["status"]["parameters"]} == {
        "InstanceType",
        "MinRows",
        "AccuracyThreshold",
    }
    tags = sagemaker_client.list_tags(ResourceArn=live["PipelineArn"])["Tags"]
    assert {"Key": "sagemaker.pipelines.dev/owner", "Value": f"default/{namespace}/churnprepare"} in tags
    assert json.loads(live["PipelineDefinition"])["Steps"][0]["Name"] == "Prepare"

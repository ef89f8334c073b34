"""The operator against moto server (the SageMaker backend LocalStack also uses) instead of the
project's emulator, through a real `smpo run` process: moto's not-found dialect ("ValidationException:
Could not find pipeline …") is read as not found, and the Pipeline lifecycle works end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from kubernetes import client

from tests.fixtures.operator import AWS_TEST_ENV
from tests.fixtures.operator_process import OperatorProcess
from tests.fixtures.runs import Kube, definition, pipeline_manifest, wait_for
from tests.integration.pipeline_helpers import OWNER_TAG_KEY, live_tags, owner

TIMEOUT = 60.0


@pytest.fixture
def moto_sagemaker(moto: str) -> Iterator[Any]:
    sagemaker = boto3.session.Session(
        aws_access_key_id=AWS_TEST_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_TEST_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    ).client("sagemaker", endpoint_url=moto)
    yield sagemaker
    sagemaker.close()


@pytest.fixture
def smpo_on_moto(
    kubeconfig_path: Path, namespace: str, moto: str, tmp_path: Path
) -> Iterator[OperatorProcess]:
    launcher = OperatorProcess(kubeconfig_path, namespace, moto, tmp_path)
    launcher.spawn()
    yield launcher
    launcher.stop()


def live_definition(sagemaker: Any, name: str) -> Any:
    return json.loads(sagemaker.describe_pipeline(PipelineName=name)["PipelineDefinition"])


def wait_condition(kube: Kube, operator: OperatorProcess, name: str, type_: str, **expected: Any) -> None:
    def met() -> bool:
        assert operator.alive(), f"smpo run exited:\n{operator.log()}"
        cond = kube.condition("Pipeline", name, type_)
        return all(cond.get(k) == v for k, v in expected.items())

    wait_for(met, timeout=TIMEOUT, what=f"Pipeline {name} {type_} {expected}")


def test_pipeline_create_update_refuse_and_delete_against_moto_server(
    kube_api: client.ApiClient, namespace: str, smpo_on_moto: OperatorProcess, moto_sagemaker: Any
) -> None:
    kube = Kube(kube_api, namespace)
    first = definition()
    kube.create(pipeline_manifest("churn", first, pipelineName="churn", deletionPolicy="Delete"))
    wait_condition(kube, smpo_on_moto, "churn", "Ready", status="True", observedGeneration=1)
    assert live_definition(moto_sagemaker, "churn") == first
    arn = kube.status("Pipeline", "churn")["arn"]
    assert live_tags(moto_sagemaker, arn)[OWNER_TAG_KEY] == owner(namespace, "churn")

    second = definition(parameters=[{"Name": "Dataset", "Type": "String", "DefaultValue": "s3://new"}])
    kube.patch("Pipeline", "churn", {"spec": {"definition": {"inline": second}}})
    wait_condition(kube, smpo_on_moto, "churn", "Ready", status="True", observedGeneration=2)
    assert live_definition(moto_sagemaker, "churn") == second

    # A second manifest naming the same SageMaker pipeline is refused and changes nothing.
    kube.create(pipeline_manifest("churn-copy", first, pipelineName="churn", deletionPolicy="Delete"))
    wait_condition(kube, smpo_on_moto, "churn-copy", "Stalled", status="True", reason="OwnedElsewhere")
    assert live_definition(moto_sagemaker, "churn") == second
    kube.delete("Pipeline", "churn-copy")
    wait_for(lambda: kube.get("Pipeline", "churn-copy") is None, timeout=TIMEOUT, what="churn-copy deleted")
    assert live_definition(moto_sagemaker, "churn") == second, "the refused copy's deletion wrote"

    kube.delete("Pipeline", "churn")
    wait_for(lambda: kube.get("Pipeline", "churn") is None, timeout=TIMEOUT, what="churn's finalizer")
    with pytest.raises(ClientError, match="Could not find pipeline"):
        moto_sagemaker.describe_pipeline(PipelineName="churn")
    assert smpo_on_moto.alive(), smpo_on_moto.log()
    assert "Traceback" not in smpo_on_moto.log(), smpo_on_moto.log()

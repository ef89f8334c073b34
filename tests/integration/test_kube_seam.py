"""The Kubernetes seam (`runtime/kube.ApiServerObjects`) against the real API server: which answers
are values (gone, taken, not ours) and which are errors, decided in one place for every kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess
from sagemaker_pipelines_operator.errors import NotFound, Stalled
from sagemaker_pipelines_operator.runtime.context import OperatorContext, load_kube_config
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects, ObjectRef
from sagemaker_pipelines_operator.settings import OperatorSettings

RUNS = "pipelineruns"


@pytest.fixture
def seam(kubeconfig_path: Path) -> ApiServerObjects:
    settings = OperatorSettings(peering=None, metrics_port=0, health_port=0, region="us-east-1")
    ctx = OperatorContext(
        settings=settings,
        aws=AwsAccess("us-east-1", settings.aws_tps, settings.aws_burst),
        kube_config=load_kube_config(str(kubeconfig_path)),
    )
    return ApiServerObjects(ctx)


def run(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "sagemaker.pipelines.dev/v1alpha1",
        "kind": "PipelineRun",
        "metadata": {"name": name, "labels": labels},
        "spec": {"pipelineRef": {"name": "churn"}},
    }


def test_create_says_whether_it_created_and_returns_the_holder_of_a_taken_name(
    seam: ApiServerObjects, namespace: str
) -> None:
    first = seam.create(RUNS, namespace, run("nightly", team="ml"))
    again = seam.create(RUNS, namespace, run("nightly", team="other"))
    assert first.new and not again.new
    assert again.body["metadata"]["uid"] == first.body["metadata"]["uid"]
    assert again.body["metadata"]["labels"] == {"team": "ml"}  # the holder, not what was asked
    assert [r["metadata"]["name"] for r in seam.list_namespaced(RUNS, namespace, "team=ml")] == ["nightly"]
    assert seam.list_namespaced(RUNS, namespace, "team=other") == []


def test_gone_objects_are_values_not_errors(seam: ApiServerObjects, namespace: str) -> None:
    missing = ObjectRef(namespace, "absent")
    assert seam.get(RUNS, namespace, "absent") is None
    assert seam.patch(RUNS, missing, {"spec": {"cancel": True}}) is False
    assert seam.patch_status(RUNS, missing, {"status": {"phase": "Pending"}}) is False
    assert seam.delete(RUNS, missing) is False


def test_delete_with_another_uid_leaves_the_newer_object(seam: ApiServerObjects, namespace: str) -> None:
    created = seam.create(RUNS, namespace, run("reused")).body
    assert seam.delete(RUNS, ObjectRef(namespace, "reused", uid="not-its-uid")) is False
    assert seam.get(RUNS, namespace, "reused") is not None
    assert seam.delete(RUNS, ObjectRef(namespace, "reused", uid=created["metadata"]["uid"])) is True


def test_an_invalid_object_is_a_stalled_error_and_nothing_is_created(
    seam: ApiServerObjects, namespace: str
) -> None:
    bad = run("bad")
    bad["spec"] = {"pipelineRef": "not-an-object"}
    with pytest.raises(Stalled):
        seam.create(RUNS, namespace, bad)
    assert seam.get(RUNS, namespace, "bad") is None


def test_core_reads_decode_secrets_and_refuse_a_missing_namespace(
    seam: ApiServerObjects, namespace: str, kube_api: Any
) -> None:
    client.CoreV1Api(kube_api).create_namespaced_secret(
        namespace, {"metadata": {"name": "token"}, "stringData": {"token": "s3cret"}}
    )
    assert seam.secret_data(namespace, "token") == {"token": b"s3cret"}
    assert seam.secret_data(namespace, "absent") is None
    assert isinstance(seam.namespace_annotations(namespace), dict)
    with pytest.raises(NotFound):
        seam.namespace_annotations("no-such-namespace")

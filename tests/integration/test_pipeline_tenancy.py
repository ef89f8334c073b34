"""Tenancy: a namespace acts through the role its annotation names (assumed through STS, here
moto's), and is refused, with nothing sent to SageMaker, when the operator's rules say no."""

from __future__ import annotations

import time
from typing import Any

import boto3
from kubernetes import client

from tests.integration.pipeline_helpers import Pipelines, calls, wait_for

TEAM_ROLE = "arn:aws:iam::111122223333:role/team-a"
OTHER_ACCOUNT_ROLE = "arn:aws:iam::999999999999:role/team-a"
ANNOTATION = "sagemaker.pipelines.dev/role-arn"


def annotate(kube_api: client.ApiClient, namespace: str, role: str) -> None:
    client.CoreV1Api(kube_api).patch_namespace(namespace, {"metadata": {"annotations": {ANNOTATION: role}}})


def ready_message(obj: dict[str, Any]) -> str:
    return str(next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")["message"])


def test_namespace_without_an_allowed_role_is_refused_then_acts_through_its_role(
    *,
    moto: str,
    pipelines: Pipelines,
    start_operator: Any,
    emulator: Any,
    kube_api: client.ApiClient,
    namespace: str,
) -> None:
    running = start_operator(require_namespace_role=True, allowed_role_accounts=("111122223333",))
    pipelines.create("churn")
    refused = pipelines.wait_condition("churn", "Stalled", "True", "NamespaceNotAllowed", generation=1)
    assert "has no sagemaker.pipelines.dev/role-arn annotation" in ready_message(refused)
    assert "--require-namespace-role" in ready_message(refused)
    assert pipelines.wait_event("churn", "NamespaceNotAllowed").type == "Warning"
    assert calls(emulator) == {}

    # A role in an account the operator does not allow: still refused, now saying why.
    annotate(kube_api, namespace, OTHER_ACCOUNT_ROLE)
    wait_for(
        lambda: "role account 999999999999 is not allowed" in ready_message(pipelines.get("churn")),
        what="the refusal to name the account",
        state=lambda: ready_message(pipelines.get("churn")),
    )
    assert calls(emulator) == {}

    # The namespace's own role, in an allowed account: assumed through STS and used.
    annotate(kube_api, namespace, TEAM_ROLE)
    ready = pipelines.wait_condition("churn", "Ready", "True", "Reconciled")
    assert calls(emulator, "CreatePipeline") == {"CreatePipeline": 1}
    sagemaker = running.ctx.aws.sagemaker(ready["status"]["region"], TEAM_ROLE)
    credentials = sagemaker._client._request_signer._credentials.get_frozen_credentials()
    assert credentials.access_key != "testing"
    sts = boto3.session.Session(
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
        region_name="us-east-1",
    ).client("sts", endpoint_url=moto)
    try:
        identity = sts.get_caller_identity()
    finally:
        sts.close()
    assert identity["Arn"] == "arn:aws:sts::111122223333:assumed-role/team-a/sagemaker-pipelines-operator"


def test_deletion_that_cannot_act_keeps_the_finalizer(
    *,
    moto: str,
    pipelines: Pipelines,
    start_operator: Any,
    emulator: Any,
    kube_api: client.ApiClient,
    namespace: str,
) -> None:
    start_operator(require_namespace_role=True)
    annotate(kube_api, namespace, TEAM_ROLE)
    pipelines.create("churn", deletionPolicy="Delete")
    pipelines.wait_condition("churn", "Ready", "True")
    client.CoreV1Api(kube_api).patch_namespace(namespace, {"metadata": {"annotations": {ANNOTATION: None}}})
    time.sleep(2.0)  # the operator's namespace cache lives at most half a resync interval (1 s)
    pipelines.delete("churn")
    stalled = pipelines.wait_condition("churn", "Stalled", "True", "NamespaceNotAllowed")
    assert stalled["metadata"]["deletionTimestamp"]
    assert stalled["metadata"]["finalizers"] == ["sagemaker.pipelines.dev/finalizer"]
    time.sleep(3.0)
    assert pipelines.exists("churn")
    assert calls(emulator, "DeletePipeline") == {"DeletePipeline": 0}

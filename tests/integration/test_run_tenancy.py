"""Tenancy and runs in flight: a run whose namespace role is refused after its execution started
is not failed (its execution still runs); it says it cannot be tracked, and is tracked again,
through the namespace's role, once the role is allowed again."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.runs import Kube, definition, run_manifest, slow
from tests.integration.pipeline_helpers import wait_for
from tests.integration.test_pipeline_tenancy import ANNOTATION, TEAM_ROLE, annotate


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def test_executing_run_whose_role_is_refused_keeps_executing_and_recovers(
    *, moto: str, kube: Kube, start_operator: Any, sagemaker_client: Any, kube_api: client.ApiClient
) -> None:
    annotate(kube_api, kube.namespace, TEAM_ROLE)
    first = start_operator(require_namespace_role=True)
    kube.ready_pipeline(definition_doc=definition(slow("Prep", 120)))
    kube.create(run_manifest("nightly"))
    arn = kube.wait_phase("nightly", "Executing")["executionArn"]
    first.stop()

    # The namespace loses its role while no operator runs; the next one resumes the run.
    client.CoreV1Api(kube_api).patch_namespace(
        kube.namespace, {"metadata": {"annotations": {ANNOTATION: None}}}
    )
    start_operator(require_namespace_role=True)
    ready = wait_for(
        lambda: (
            (r := kube.condition("PipelineRun", "nightly", "Ready")).get("reason") == "NamespaceNotAllowed"
            and r
        ),
        what="the run to say it cannot be tracked",
        state=lambda: kube.condition("PipelineRun", "nightly", "Ready"),
    )
    assert ready["status"] == "False"
    assert f"cannot track execution {arn}" in ready["message"]
    assert "has no sagemaker.pipelines.dev/role-arn annotation" in ready["message"]
    status = kube.status("PipelineRun", "nightly")
    assert status["phase"] == "Executing" and "completionTime" not in status and "failureReason" not in status
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions["Succeeded"] == "Unknown" and conditions["Stalled"] == "False"
    assert conditions["Reconciling"] == "True"
    said = [(t, m) for t, r, m in kube.events("nightly") if r == "NamespaceNotAllowed"]
    assert said and said[-1][1] == ready["message"], kube.events("nightly")
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert described["PipelineExecutionStatus"] == "Executing"

    # The role is allowed again: the same operator tracks the run through it, and can stop it.
    annotate(kube_api, kube.namespace, TEAM_ROLE)
    wait_for(
        lambda: kube.condition("PipelineRun", "nightly", "Ready").get("reason") == "Executing",
        what="the run to be tracked again",
        state=lambda: kube.condition("PipelineRun", "nightly", "Ready"),
    )
    kube.patch("PipelineRun", "nightly", {"spec": {"cancel": True}})
    stopped = kube.wait_phase("nightly", "Stopped", timeout=60)
    assert stopped["executionArn"] == arn and stopped["attempts"] == 1

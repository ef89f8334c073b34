"""The Argo CD health script (manifests/argocd/health.lua) on statuses the operator really wrote,
against the real API server and the emulator: ready pipeline, running, succeeded, failed, cancelled
and stalled runs."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.argocd import argocd_health
from tests.fixtures.pipelines import fail, job
from tests.fixtures.runs import Kube, definition, run_manifest, slow

pytestmark = pytest.mark.e2e


def health(kube: Kube, kind: str, name: str) -> tuple[str, str]:
    obj = kube.get(kind, name)
    assert obj is not None
    return argocd_health(obj)


def test_argocd_health_of_live_pipelines_and_runs(
    kube_api: client.ApiClient, namespace: str, operator: Any
) -> None:
    kube = Kube(kube_api, namespace)
    kube.ready_pipeline("train")
    kube.ready_pipeline(
        "gated", definition(job("Prep"), {**fail("Gate", "AUC too low"), "DependsOn": ["Prep"]})
    )
    kube.ready_pipeline("long", definition(slow("Long")))
    assert health(kube, "Pipeline", "train")[0] == "Healthy"

    kube.create(run_manifest("ok", "train"))
    kube.create(run_manifest("gated", "gated"))
    kube.create(run_manifest("long", "long"))
    kube.create(run_manifest("typo", "train", parameters={"Datset": "s3://x"}))

    kube.wait_phase("long", "Executing")
    assert health(kube, "PipelineRun", "long")[0] == "Progressing"
    kube.patch("PipelineRun", "long", {"spec": {"cancel": True}})

    kube.wait_phase("ok", "Succeeded")
    assert health(kube, "PipelineRun", "ok")[0] == "Healthy"
    kube.wait_phase("gated", "Failed")
    status, message = health(kube, "PipelineRun", "gated")
    assert status == "Degraded" and "AUC too low" in message
    kube.wait_phase("long", "Stopped")
    assert health(kube, "PipelineRun", "long")[0] == "Suspended"
    kube.wait_phase("typo", "Failed")
    status, message = health(kube, "PipelineRun", "typo")
    assert status == "Degraded" and "Datset" in message

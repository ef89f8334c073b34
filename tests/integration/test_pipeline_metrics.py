"""Gauges follow the resources: Ready (per pipeline and in smpo_resources), the expected success
interval from the annotation (a bad value is a Warning Event), and every series goes when the
Pipeline does."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from sagemaker_pipelines_operator.metrics import REGISTRY
from tests.integration.pipeline_helpers import Pipelines, wait_for

ANNOTATION = "sagemaker.pipelines.dev/expected-success-interval"


def sample(name: str, namespace: str, pipeline: str, **labels: str) -> float | None:
    value: float | None = REGISTRY.get_sample_value(
        name, {"namespace": namespace, "pipeline": pipeline, **labels}
    )
    return value


def annotate(api: client.ApiClient, namespace: str, name: str, value: str) -> None:
    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        "sagemaker.pipelines.dev",
        "v1alpha1",
        namespace,
        "pipelines",
        name,
        {"metadata": {"annotations": {ANNOTATION: value}}},
    )


def resources(condition: str) -> float:
    return REGISTRY.get_sample_value("smpo_resources", {"kind": "Pipeline", "condition": condition}) or 0.0


def test_pipeline_gauges_follow_ready_annotation_and_deletion(
    pipelines: Pipelines, operator: Any, namespace: str, kube_api: client.ApiClient
) -> None:
    ready_before = resources("Ready")
    pipelines.create("churn")
    pipelines.wait_condition("churn", "Ready", "True", "Reconciled", generation=1)
    wait_for(lambda: sample("smpo_pipeline_ready", namespace, "churn") == 1.0, what="ready gauge at 1")
    wait_for(lambda: resources("Ready") == ready_before + 1, what="smpo_resources to count it Ready")
    # A Ready Pipeline's resync writes are due through the watch, so liveness watches for silence.
    assert operator.ctx.clock.liveness().reason == "watching"
    # The failure counter exists at 0 before any run ends, so increase() sees the first failure.
    assert sample("smpo_pipeline_run_completions_total", namespace, "churn", phase="Failed") == 0.0

    annotate(kube_api, namespace, "churn", "26h")
    wait_for(
        lambda: sample("smpo_pipeline_expected_success_interval_seconds", namespace, "churn") == 26 * 3600,
        what="expected interval from the annotation",
    )
    annotate(kube_api, namespace, "churn", "soon")
    pipelines.wait_event("churn", "InvalidAnnotation")
    assert sample("smpo_pipeline_expected_success_interval_seconds", namespace, "churn") is None

    pipelines.delete("churn")
    wait_for(lambda: not pipelines.exists("churn"), what="the Pipeline to be gone")
    wait_for(lambda: sample("smpo_pipeline_ready", namespace, "churn") is None, what="series removed")
    wait_for(lambda: resources("Ready") == ready_before, what="smpo_resources to forget it")
    assert operator.ctx.clock.liveness().reason == "quiet: nothing in scope is written periodically"
    assert sample("smpo_pipeline_run_completions_total", namespace, "churn", phase="Failed") is None

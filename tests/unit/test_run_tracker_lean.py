"""A tracked run is held without the metadata nobody reads while it executes (field ownership,
kubectl apply's copy of the manifest): kilobytes per run, for as long as it runs."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.runs.tracker import RunTracker, lean

ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/e1"
KUBECTL_COPY = "kubectl.kubernetes.io/last-applied-configuration"
MANAGED = [{"manager": "kopf", "operation": "Update", "fieldsV1": {"f:status": {"f:steps": {}}}}]


def run(annotations: dict[str, str], **metadata: Any) -> PipelineRun:
    body: dict[str, Any] = {
        "apiVersion": "sagemaker.pipelines.dev/v1alpha1",
        "kind": "PipelineRun",
        "metadata": {
            "name": "r1",
            "namespace": "ml",
            "uid": "u1",
            "labels": {"team": "risk"},
            "annotations": annotations,
            **metadata,
        },
        "spec": {"pipelineRef": {"name": "train"}},
        "status": {"phase": "Executing", "executionArn": ARN, "pipelineName": "train", "region": "us-east-1"},
    }
    return PipelineRun.model_validate(body)


@pytest.mark.parametrize(
    ("annotations", "kept"),
    [
        pytest.param(
            {KUBECTL_COPY: '{"spec": {}}', "argocd.argoproj.io/tracking-id": "app:x"},
            {"argocd.argoproj.io/tracking-id": "app:x"},
            id="kubectl-copy-dropped",
        ),
        pytest.param({"smpo/note": "n"}, {"smpo/note": "n"}, id="user-annotations-kept"),
        pytest.param({}, {}, id="none"),
    ],
)
def test_lean_drops_only_what_is_never_read(annotations: dict[str, str], kept: dict[str, str]) -> None:
    original = run(annotations, managedFields=MANAGED, resourceVersion="7")
    slim = lean(original)
    assert "managedFields" not in slim.metadata
    assert slim.metadata["annotations"] == kept
    assert slim.metadata["labels"] == {"team": "risk"} and slim.metadata["resourceVersion"] == "7"
    assert slim.meta.ref == original.meta.ref and slim.status == original.status
    assert "managedFields" in original.metadata  # the caller's copy is untouched


def test_tracked_runs_stay_lean_across_updates() -> None:
    tracker = RunTracker(lambda: 0.0)
    tracked = tracker.track(run({KUBECTL_COPY: "{}"}, managedFields=MANAGED), None)
    assert "managedFields" not in tracked.run.metadata
    tracked.keep(run({KUBECTL_COPY: "{}"}, managedFields=MANAGED * 3))
    assert "managedFields" not in tracked.run.metadata
    assert KUBECTL_COPY not in tracked.run.metadata["annotations"]

"""Lineage to Git against the real API server (with Argo CD's and Flux's own CRDs) and the emulator:
the revision behind a Pipeline's version and a run lands in the version's display name and
description, the execution's description and both statuses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.gitops import REPO, argocd_application, flux_kustomization, flux_status
from tests.fixtures.pipelines import job
from tests.fixtures.runs import Kube, definition, pipeline_manifest, run_manifest, wait_for

SHA_MARCH = "3f2a9c1d5e7b8a90123456789abcdef012345678"
SHA_APRIL = "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c"


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def with_metadata(manifest: dict[str, Any], **metadata: dict[str, str]) -> dict[str, Any]:
    manifest["metadata"].update(metadata)
    return manifest


def ci_annotations(sha: str) -> dict[str, str]:
    return {"sagemaker.pipelines.dev/git-revision": sha, "sagemaker.pipelines.dev/git-repository": REPO}


def labelled_version(sagemaker_client: Any, kube: Kube, version: int) -> dict[str, Any]:
    name = kube.status("Pipeline", "train")["pipelineName"]
    versions = sagemaker_client.list_pipeline_versions(PipelineName=name)["PipelineVersionSummaries"]
    return dict(next(v for v in versions if v["PipelineVersionId"] == version))


def wait_lineage(kube: Kube, version: int) -> dict[str, Any]:
    found: dict[str, Any] = wait_for(
        lambda: (
            (lin := kube.status("Pipeline", "train").get("lineage"))
            and lin.get("versionId") == version
            and lin
        ),
        what=f"lineage of version {version}",
    )
    return found


def test_a_ci_annotation_labels_the_version_and_the_execution(
    kube: Kube, operator: Any, sagemaker_client: Any, namespace: str
) -> None:
    kube.create(
        with_metadata(pipeline_manifest("train", definition()), annotations=ci_annotations(SHA_MARCH))
    )
    lineage = wait_lineage(kube, 1)
    assert lineage == {"revision": SHA_MARCH, "source": "annotation", "repository": REPO, "versionId": 1}
    version = labelled_version(sagemaker_client, kube, 1)
    assert version["PipelineVersionDisplayName"] == "git-3f2a9c1d5e7b"
    assert version["PipelineVersionDescription"] == (
        f"Applied from git revision {SHA_MARCH} of {REPO} (annotation) by Pipeline {namespace}/train"
    )

    run = with_metadata(
        run_manifest("audited", description="weekly retrain"), annotations=ci_annotations(SHA_APRIL)
    )
    kube.create(run)
    status = kube.wait_phase("audited", "Succeeded")
    assert status["lineage"] == {"revision": SHA_APRIL, "source": "annotation", "repository": REPO}
    assert status["versionLineage"]["revision"] == SHA_MARCH
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=status["executionArn"])
    assert described["PipelineExecutionDescription"] == (
        "weekly retrain | "
        f"PipelineRun audited from git revision {SHA_APRIL} of {REPO} (annotation) | "
        f"pipeline version 1 from git revision {SHA_MARCH} of {REPO} (annotation)"
    )


def test_a_later_commit_labels_only_the_version_it_produced(
    kube: Kube, operator: Any, sagemaker_client: Any
) -> None:
    kube.create(
        with_metadata(pipeline_manifest("train", definition()), annotations=ci_annotations(SHA_MARCH))
    )
    wait_lineage(kube, 1)
    # A new commit that leaves the definition alone makes no version: version 1 keeps March.
    kube.patch(
        "Pipeline",
        "train",
        {"metadata": {"annotations": ci_annotations(SHA_APRIL)}, "spec": {"description": "x"}},
    )
    wait_for(lambda: kube.status("Pipeline", "train").get("observedGeneration") == 2, what="generation 2")
    assert kube.status("Pipeline", "train")["lineage"]["revision"] == SHA_MARCH
    assert labelled_version(sagemaker_client, kube, 1)["PipelineVersionDisplayName"] == "git-3f2a9c1d5e7b"
    kube.patch("Pipeline", "train", {"spec": {"definition": {"inline": definition(job("Retrain"))}}})
    assert wait_lineage(kube, 2)["revision"] == SHA_APRIL
    assert labelled_version(sagemaker_client, kube, 2)["PipelineVersionDisplayName"] == "git-9b8c7d6e5f4a"
    assert labelled_version(sagemaker_client, kube, 1)["PipelineVersionDisplayName"] == "git-3f2a9c1d5e7b"


@pytest.mark.usefixtures("gitops_crds")
def test_argocd_label_tracking_reads_the_applications_synced_revision(
    kube: Kube, start_operator: Callable[..., Any], sagemaker_client: Any, namespace: str
) -> None:
    start_operator(argocd_namespace=namespace)
    kube.api.create_namespaced_custom_object(
        "argoproj.io", "v1alpha1", namespace, "applications", argocd_application("ml", namespace, SHA_MARCH)
    )
    kube.create(
        with_metadata(pipeline_manifest("train", definition()), labels={"app.kubernetes.io/instance": "ml"})
    )
    lineage = wait_lineage(kube, 1)
    assert lineage == {
        "revision": SHA_MARCH,
        "source": f"argocd {namespace}/ml",
        "repository": REPO,
        "versionId": 1,
    }
    assert labelled_version(sagemaker_client, kube, 1)["PipelineVersionDisplayName"] == "git-3f2a9c1d5e7b"


def test_argocd_annotation_tracking_reads_the_revision_being_synced(
    kube: Kube,
    operator: Any,
    sagemaker_client: Any,
    gitops_crds: list[str],
    namespace: str,
) -> None:
    app = argocd_application("ml", namespace, SHA_MARCH, syncing=SHA_APRIL)
    kube.api.create_namespaced_custom_object("argoproj.io", "v1alpha1", namespace, "applications", app)
    tracking = f"{namespace}_ml:sagemaker.pipelines.dev/Pipeline:{namespace}/train"
    kube.create(
        with_metadata(
            pipeline_manifest("train", definition()), annotations={"argocd.argoproj.io/tracking-id": tracking}
        )
    )
    assert wait_lineage(kube, 1)["revision"] == SHA_APRIL  # the sync applying it, not the last one
    kube.create(
        with_metadata(run_manifest("synced"), annotations={"argocd.argoproj.io/tracking-id": tracking})
    )
    status = kube.wait_phase("synced", "Succeeded")
    assert status["lineage"]["source"] == f"argocd {namespace}/ml"
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=status["executionArn"])
    assert (
        f"PipelineRun synced from git revision {SHA_APRIL} of {REPO} (argocd {namespace}/ml)"
        in (described["PipelineExecutionDescription"])
    )


def test_flux_labels_read_the_kustomizations_applied_revision(
    kube: Kube, operator: Any, sagemaker_client: Any, gitops_crds: list[str], namespace: str
) -> None:
    group, version = "kustomize.toolkit.fluxcd.io", "v1"
    kube.api.create_namespaced_custom_object(
        group, version, namespace, "kustomizations", flux_kustomization("ml", namespace)
    )
    revision = f"main@sha1:{SHA_MARCH}"
    kube.api.patch_namespaced_custom_object_status(
        group, version, namespace, "kustomizations", "ml", flux_status(revision)
    )
    labels = {"kustomize.toolkit.fluxcd.io/name": "ml", "kustomize.toolkit.fluxcd.io/namespace": namespace}
    kube.create(with_metadata(pipeline_manifest("train", definition()), labels=labels))
    lineage = wait_lineage(kube, 1)
    assert lineage == {
        "revision": revision,
        "source": f"flux {namespace}/ml",
        "repository": "GitRepository/ml-platform",
        "versionId": 1,
    }
    described = labelled_version(sagemaker_client, kube, 1)
    assert described["PipelineVersionDisplayName"] == "git-3f2a9c1d5e7b"
    assert described["PipelineVersionDescription"].startswith(
        f"Applied from git revision {revision} of GitRepository/ml-platform (flux {namespace}/ml)"
    )


@pytest.mark.usefixtures("operator", "gitops_crds")
def test_a_missing_kustomization_leaves_no_lineage_and_the_pipeline_ready(
    kube: Kube,
    sagemaker_client: Any,
    namespace: str,
    kube_api: client.ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    labels = {"kustomize.toolkit.fluxcd.io/name": "gone", "kustomize.toolkit.fluxcd.io/namespace": namespace}
    kube.create(with_metadata(pipeline_manifest("train", definition()), labels=labels))
    wait_for(lambda: kube.condition("Pipeline", "train", "Ready").get("status") == "True", what="Ready")
    assert "lineage" not in kube.status("Pipeline", "train")
    assert "PipelineVersionDisplayName" not in labelled_version(sagemaker_client, kube, 1)
    assert any(f"cannot read flux {namespace}/gone (404)" in r.getMessage() for r in caplog.records)
    prove_operator_alive(kube_api, namespace)

"""Git lineage as pure decisions: which GitOps object an object's labels name, which revision its
status gives, the texts written to SageMaker, and when a version is labelled."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.api.versions import GitLineage
from sagemaker_pipelines_operator.reconcile.lineage import (
    ARGOCD,
    FLUX,
    GitOpsOwner,
    Lineage,
    execution_description,
    gitops_owner,
    lineage_from_annotations,
    lineage_from_owner,
    pipeline_lineage_status,
    revision_in_description,
    version_description,
    version_display_name,
)

SHA = "3f2a9c1d5e7b8a90123456789abcdef012345678"


@pytest.mark.parametrize(
    ("metadata", "owner"),
    [
        ({}, None),
        ({"labels": {"app.kubernetes.io/instance": "ml"}}, GitOpsOwner(ARGOCD, "argocd", "ml")),
        (
            {
                "annotations": {
                    "argocd.argoproj.io/tracking-id": "ml:sagemaker.pipelines.dev/Pipeline:ns/train"
                }
            },
            GitOpsOwner(ARGOCD, "argocd", "ml"),
        ),
        (
            {
                "annotations": {
                    "argocd.argoproj.io/tracking-id": "team_ml:sagemaker.pipelines.dev/Pipeline:ns/t"
                }
            },
            GitOpsOwner(ARGOCD, "team", "ml"),
        ),
        (
            {
                "labels": {
                    "kustomize.toolkit.fluxcd.io/name": "apps",
                    "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
                    "app.kubernetes.io/instance": "ml",
                }
            },
            GitOpsOwner(FLUX, "flux-system", "apps"),
        ),
        ({"labels": {"kustomize.toolkit.fluxcd.io/name": "apps"}}, None),
    ],
    ids=["none", "argocd-label", "argocd-annotation", "argocd-app-in-namespace", "flux-wins", "flux-half"],
)
def test_the_gitops_owner_from_labels_and_annotations(
    metadata: dict[str, Any], owner: GitOpsOwner | None
) -> None:
    assert gitops_owner(metadata, "argocd") == owner


APP = GitOpsOwner(ARGOCD, "argocd", "ml")
KS = GitOpsOwner(FLUX, "flux-system", "apps")


@pytest.mark.parametrize(
    ("owner", "body", "revision"),
    [
        (APP, {"status": {"sync": {"revision": "a1"}}}, "a1"),
        (APP, {"status": {"sync": {"revisions": ["m1", "m2"]}}}, "m1"),
        (
            APP,
            {
                "status": {
                    "sync": {"revision": "old"},
                    "operationState": {"phase": "Running", "operation": {"sync": {"revision": "new"}}},
                }
            },
            "new",
        ),
        (
            APP,
            {
                "status": {
                    "sync": {"revision": "x"},
                    "operationState": {"phase": "Succeeded", "syncResult": {"revision": "done"}},
                }
            },
            "done",
        ),
        (APP, {"status": {}}, None),
        (
            KS,
            {"status": {"lastAppliedRevision": "main@sha1:a", "lastAttemptedRevision": "main@sha1:b"}},
            "main@sha1:b",
        ),
        (KS, {"status": {"lastAppliedRevision": "main@sha1:a"}}, "main@sha1:a"),
        (KS, {}, None),
    ],
    ids=[
        "argo-synced",
        "argo-multi-source",
        "argo-sync-running",
        "argo-sync-result",
        "argo-none",
        "flux-attempted",
        "flux-applied",
        "flux-none",
    ],
)
def test_the_revision_from_the_owners_status(
    owner: GitOpsOwner, body: dict[str, Any], revision: str | None
) -> None:
    found = lineage_from_owner(owner, body)
    assert (found.revision if found else None) == revision


@pytest.mark.parametrize(
    ("revision", "name"),
    [
        (SHA, "git-3f2a9c1d5e7b"),
        (f"main@sha1:{SHA}", "git-3f2a9c1d5e7b"),
        ("v1.2.3", "git-v1-2-3"),
        ("---", "git"),
    ],
    ids=["sha", "flux-form", "tag", "nothing-usable"],
)
def test_version_display_name_fits_the_model(revision: str, name: str) -> None:
    assert version_display_name(Lineage(revision, "annotation")) == name


def test_the_ci_annotation_needs_a_revision() -> None:
    assert lineage_from_annotations({"annotations": {"sagemaker.pipelines.dev/git-repository": "r"}}) is None


RUN = GitLineage(revision="r1", source="annotation")
VERSION = GitLineage(revision="v1", source="flux ns/apps", repository="GitRepository/x", version_id=3)


@pytest.mark.parametrize(
    ("description", "run", "version", "expected"),
    [
        (None, None, None, None),
        ("d", None, None, "d"),
        (None, RUN, None, "PipelineRun nightly from git revision r1 (annotation)"),
        (
            "d",
            RUN,
            VERSION,
            "d | PipelineRun nightly from git revision r1 (annotation)"
            " | pipeline version 3 from git revision v1 of GitRepository/x (flux ns/apps)",
        ),
    ],
    ids=["nothing", "description-only", "run-only", "all"],
)
def test_execution_description_is_one_line(
    description: str | None, run: GitLineage | None, version: GitLineage | None, expected: str | None
) -> None:
    assert execution_description(description, "nightly", run, version) == expected


MARCH = GitLineage(revision="march", source="annotation", version_id=1)


@pytest.mark.parametrize(
    ("recorded", "seen", "version", "expected"),
    [
        (None, Lineage("march", "annotation"), 1, MARCH),
        (MARCH, Lineage("april", "annotation"), 1, MARCH),
        (
            MARCH,
            Lineage("april", "annotation"),
            2,
            GitLineage(revision="april", source="annotation", version_id=2),
        ),
        (MARCH, None, 2, None),
        (MARCH, None, 1, MARCH),
    ],
    ids=["first-label", "later-commit-same-version", "new-version", "new-version-untraced", "untraced-now"],
)
def test_a_version_keeps_the_revision_that_produced_it(
    recorded: GitLineage | None, seen: Lineage | None, version: int, expected: GitLineage | None
) -> None:
    assert pipeline_lineage_status(recorded, seen, version) == expected


@pytest.mark.parametrize(
    "lineage",
    [Lineage(SHA, "annotation"), Lineage(f"main@sha1:{SHA}", "flux ns/apps", "GitRepository/x")],
    ids=["bare-sha", "flux-revision-with-repository"],
)
def test_the_revision_reads_back_from_the_version_description(lineage: Lineage) -> None:
    assert revision_in_description(version_description(lineage, "ns", "train")) == lineage.revision

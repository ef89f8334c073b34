"""Lineage to Git: which revision produced an object, from the annotation a CI job sets or from the
Argo CD Application / Flux Kustomization that applied it, and the text written where an auditor
looks (the pipeline version's display name and description, the execution's description). Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.api.versions import GitLineage

REVISION_ANNOTATION = "sagemaker.pipelines.dev/git-revision"
"""Set by a CI job that applies manifests itself: the commit they come from."""
REPOSITORY_ANNOTATION = "sagemaker.pipelines.dev/git-repository"
"""Optional, beside the revision: the repository URL."""
ARGOCD_INSTANCE_LABEL = "app.kubernetes.io/instance"
"""Argo CD's label tracking (its default before 3.0): the Application's name."""
ARGOCD_TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id"
"""Argo CD's annotation tracking: `<app>:<group>/<kind>:<namespace>/<name>`; `<app>` is
`<namespace>_<name>` for Applications outside Argo CD's own namespace."""
FLUX_NAME_LABEL = "kustomize.toolkit.fluxcd.io/name"
FLUX_NAMESPACE_LABEL = "kustomize.toolkit.fluxcd.io/namespace"

ARGOCD = ("argoproj.io", "v1alpha1", "applications")
FLUX = ("kustomize.toolkit.fluxcd.io", "v1", "kustomizations")
_SHA = re.compile(r"(?:sha1|sha256):([0-9a-f]{7,64})$|^([0-9a-f]{7,64})$")
_DESCRIPTION_MAX = 3072  # [PipelineVersionDescription], [PipelineExecutionDescription]


@dataclass(frozen=True)
class GitOpsOwner:
    """The Argo CD Application or Flux Kustomization an object's labels/annotations name."""

    resource: tuple[str, str, str]
    """(group, version, plural)."""
    namespace: str
    name: str

    @property
    def shown(self) -> str:
        tool = "argocd" if self.resource == ARGOCD else "flux"
        return f"{tool} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class Lineage:
    revision: str
    """As the source gives it: a commit SHA, or Flux's `<branch>@sha1:<sha>`."""
    source: str
    """Where it was read: `annotation`, `argocd <ns>/<app>` or `flux <ns>/<kustomization>`."""
    repository: str | None = None

    @property
    def commit(self) -> str:
        """The commit SHA inside the revision, or the revision itself when it holds none."""
        match = _SHA.search(self.revision)
        return (match.group(1) or match.group(2)) if match else self.revision


def gitops_owner(metadata: Mapping[str, Any], argocd_namespace: str) -> GitOpsOwner | None:
    """Flux's labels first (they name the namespace), then Argo CD's tracking annotation, then its label."""
    labels: Mapping[str, str] = metadata.get("labels") or {}
    annotations: Mapping[str, str] = metadata.get("annotations") or {}
    if labels.get(FLUX_NAME_LABEL) and labels.get(FLUX_NAMESPACE_LABEL):
        return GitOpsOwner(FLUX, labels[FLUX_NAMESPACE_LABEL], labels[FLUX_NAME_LABEL])
    tracking = annotations.get(ARGOCD_TRACKING_ANNOTATION)
    if tracking and ":" in tracking:
        app = tracking.split(":", 1)[0]
        namespace, _, name = app.rpartition("_")
        return GitOpsOwner(ARGOCD, namespace or argocd_namespace, name)
    if labels.get(ARGOCD_INSTANCE_LABEL):
        return GitOpsOwner(ARGOCD, argocd_namespace, labels[ARGOCD_INSTANCE_LABEL])
    return None


def lineage_from_annotations(metadata: Mapping[str, Any]) -> Lineage | None:
    annotations: Mapping[str, str] = metadata.get("annotations") or {}
    revision = annotations.get(REVISION_ANNOTATION)
    if not revision:
        return None
    return Lineage(revision, "annotation", annotations.get(REPOSITORY_ANNOTATION) or None)


def lineage_from_owner(owner: GitOpsOwner, body: Mapping[str, Any]) -> Lineage | None:
    """The revision the Application or Kustomization is applying now, else the one it applied last.
    The operator sees an object while its sync is still running, when the `last applied` fields
    still name the previous commit."""
    status = body.get("status") or {}
    spec = body.get("spec") or {}
    if owner.resource == ARGOCD:
        operation = status.get("operationState") or {}
        running = operation.get("phase") == "Running"
        revision = (
            (running and _dig(operation, "operation", "sync", "revision"))
            or _dig(operation, "syncResult", "revision")
            or _dig(status, "sync", "revision")
            or next(iter(_dig(status, "sync", "revisions") or []), None)
        )
        sources = spec.get("sources") or [spec.get("source") or {}]
        repository = sources[0].get("repoURL") if sources else None
    else:
        revision = status.get("lastAttemptedRevision") or status.get("lastAppliedRevision")
        ref = spec.get("sourceRef") or {}
        repository = f"{ref.get('kind')}/{ref.get('name')}" if ref.get("name") else None
    if not isinstance(revision, str) or not revision:
        return None
    return Lineage(revision, owner.shown, repository if isinstance(repository, str) else None)


def _dig(body: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(body, Mapping):
            return None
        body = body.get(key)
    return body


def version_display_name(lineage: Lineage) -> str:
    """`git-<commit, 12 characters>`: fits PipelineVersionName ([a-zA-Z0-9](-*[a-zA-Z0-9]){0,81})."""
    cleaned = re.sub(r"[^a-zA-Z0-9]+", "-", lineage.commit[:12]).strip("-")
    return f"git-{cleaned}" if cleaned else "git"


VERSION_DESCRIPTION_PREFIX = "Applied from git revision "


def version_description(lineage: Lineage, namespace: str, name: str) -> str:
    """`Applied from git revision <rev>[ of <repo>] (<source>) by Pipeline <ns>/<name>`; the
    revision is the first word after the prefix (`revision_in_description` reads it back)."""
    text = f"{VERSION_DESCRIPTION_PREFIX}{_where(lineage)} by Pipeline {namespace}/{name}"
    return text[:_DESCRIPTION_MAX]


def revision_in_description(description: str | None) -> str | None:
    """The revision a version description written by `version_description` names."""
    if not description or not description.startswith(VERSION_DESCRIPTION_PREFIX):
        return None
    return description.removeprefix(VERSION_DESCRIPTION_PREFIX).split(" ", 1)[0] or None


def execution_description(
    description: str | None, run: str, run_lineage: GitLineage | None, version_lineage: GitLineage | None
) -> str | None:
    """spec.description, then where the run and the version it executes came from: the auditor's
    lines in SageMaker. None when there is nothing to say."""
    lines = [description] if description else []
    if run_lineage is not None:
        lines.append(f"PipelineRun {run} from git revision {_where(run_lineage)}")
    if version_lineage is not None:
        lines.append(
            f"pipeline version {version_lineage.version_id} from git revision {_where(version_lineage)}"
        )
    # One line: the model's pattern `.*` (a full match) refuses line breaks.
    return " | ".join(lines)[:_DESCRIPTION_MAX] if lines else None


def _where(lineage: GitLineage | Lineage) -> str:
    repository = f" of {lineage.repository}" if lineage.repository else ""
    return f"{lineage.revision}{repository} ({lineage.source})"


def version_label_due(recorded: GitLineage | None, lineage: Lineage | None, version_id: int | None) -> bool:
    """Label the applied version with its revision once: when a revision is known and the version is
    not the one already labelled. A later commit that leaves the definition unchanged makes no new
    version, so it must not relabel the version an earlier commit produced."""
    if lineage is None or version_id is None:
        return False
    return recorded is None or recorded.version_id != version_id


def pipeline_lineage_status(
    recorded: GitLineage | None, lineage: Lineage | None, version_id: int | None
) -> GitLineage | None:
    """status.lineage after the pass: the labelling revision for a newly labelled version, the
    recorded one while the version stands, none for a new version nobody can trace."""
    if version_label_due(recorded, lineage, version_id) and lineage is not None:
        return GitLineage(
            revision=lineage.revision,
            source=lineage.source,
            repository=lineage.repository,
            version_id=version_id,
        )
    if recorded is not None and recorded.version_id == version_id:
        return recorded
    return None

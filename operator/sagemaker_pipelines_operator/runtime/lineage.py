"""Reading an object's Git lineage from the cluster: its CI annotation, else the Argo CD
Application or Flux Kustomization that applied it (get only; a missing object or permission
means no lineage, logged, never a failed reconcile)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.api.versions import GitLineage
from sagemaker_pipelines_operator.reconcile.lineage import (
    Lineage,
    gitops_owner,
    lineage_from_annotations,
    lineage_from_owner,
)
from sagemaker_pipelines_operator.runtime.context import OperatorContext

log = logging.getLogger(__name__)


def read_lineage(ctx: OperatorContext, metadata: Mapping[str, Any]) -> Lineage | None:
    found = lineage_from_annotations(metadata)
    if found is not None:
        return found
    owner = gitops_owner(metadata, ctx.settings.argocd_namespace)
    if owner is None:
        return None
    group, version, plural = owner.resource
    try:
        body = ctx.custom_objects.get_namespaced_custom_object(
            group, version, owner.namespace, plural, owner.name
        )
    except Exception as exc:  # 404, 403 (RBAC not granted), CRD not installed: no lineage
        log.warning(
            "no Git lineage for %s/%s: cannot read %s (%s)",
            metadata.get("namespace"),
            metadata.get("name"),
            owner.shown,
            getattr(exc, "status", None) or type(exc).__name__,
        )
        return None
    return lineage_from_owner(owner, body)


def lineage_status(lineage: Lineage | None, version_id: int | None = None) -> GitLineage | None:
    if lineage is None:
        return None
    return GitLineage(
        revision=lineage.revision, source=lineage.source, repository=lineage.repository, version_id=version_id
    )

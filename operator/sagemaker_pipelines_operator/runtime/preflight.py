"""What `smpo run` checks before kopf starts, so that it never idles without a word: our CRDs are
served, and with peering on (the default) kopf's peering CRD is served and its object exists.

kopf itself waits silently for a missing CRD, and with a named peering it pauses every watch until
the peering object appears (docs/decisions/0013-peering-preflight.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import kubernetes
from kubernetes.client.exceptions import ApiException

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api.kinds import KINDS
from sagemaker_pipelines_operator.api.peering import (
    CLUSTER_PEERING,
    NAMESPACED_PEERING,
    PEERING_GROUP,
    PEERING_VERSION,
)
from sagemaker_pipelines_operator.settings import OperatorSettings

log = logging.getLogger(__name__)

APPLY_CRDS = "apply crds/ with `kubectl apply --server-side -f crds/` (or install the Helm chart)"


class PreflightError(Exception):
    """The cluster lacks something `smpo run` needs; the message names it and the fix."""


@dataclass(frozen=True)
class PeeringTarget:
    """The peering object kopf will use: a ClusterKopfPeering, or a KopfPeering per namespace."""

    plural: str
    name: str
    namespace: str | None = None

    @property
    def kind(self) -> str:
        return "ClusterKopfPeering" if self.plural == CLUSTER_PEERING else "KopfPeering"

    def describe(self) -> str:
        where = f" in namespace {self.namespace}" if self.namespace else ""
        return f"{self.kind} {self.name!r}{where}"


def peering_targets(settings: OperatorSettings) -> list[PeeringTarget]:
    """The peering objects `settings` make kopf use (none when standalone)."""
    if settings.peering is None:
        return []
    if not settings.namespaces:
        return [PeeringTarget(CLUSTER_PEERING, settings.peering)]
    return [PeeringTarget(NAMESPACED_PEERING, settings.peering, ns) for ns in settings.namespaces]


def missing_kinds(served: set[str]) -> list[str]:
    """Our kinds whose plural the API server does not serve."""
    return [kind.kind for kind in KINDS if kind.plural not in served]


def check_cluster(api: kubernetes.client.ApiClient, settings: OperatorSettings) -> None:
    """Raise PreflightError naming what is missing and how to fix it; create a missing peering
    object when its CRD is served (it holds only the replicas' heartbeats)."""
    missing = missing_kinds(_served(api, GROUP, VERSION))
    if missing:
        raise PreflightError(
            f"the cluster does not serve {', '.join(missing)} ({GROUP}/{VERSION}): "
            f"the operator's CRDs are missing; {APPLY_CRDS}"
        )
    targets = peering_targets(settings)
    if not targets:
        return
    if targets[0].plural not in _served(api, PEERING_GROUP, PEERING_VERSION):
        raise PreflightError(
            f"peering is on (--peering {settings.peering}) but the cluster does not serve kopf's "
            f"{targets[0].kind} CRD ({PEERING_GROUP}/{PEERING_VERSION}); {APPLY_CRDS}, "
            "or run a single replica with --standalone"
        )
    for target in targets:
        ensure_peering_object(api, target)


def ensure_peering_object(api: kubernetes.client.ApiClient, target: PeeringTarget) -> None:
    """Create the peering object unless it exists (read first: the chart's role may get, not
    create); a replica racing us to it is fine."""
    if _peering_exists(api, target):
        return
    objects = kubernetes.client.CustomObjectsApi(api)
    body = {
        "apiVersion": f"{PEERING_GROUP}/{PEERING_VERSION}",
        "kind": target.kind,
        "metadata": {"name": target.name, "labels": {"app.kubernetes.io/managed-by": "smpo"}},
    }
    try:
        if target.namespace is None:
            objects.create_cluster_custom_object(PEERING_GROUP, PEERING_VERSION, target.plural, body)
        else:
            objects.create_namespaced_custom_object(
                PEERING_GROUP, PEERING_VERSION, target.namespace, target.plural, body
            )
    except ApiException as exc:
        if exc.status == 409:
            return
        if exc.status in (401, 403):
            raise PreflightError(
                f"{target.describe()} is missing and this identity may not create it (HTTP {exc.status}): "
                "create it once (the Helm chart and manifests/install do), grant `create` on "
                f"{target.plural}.{PEERING_GROUP}, or run a single replica with --standalone"
            ) from None
        if exc.status == 404 and target.namespace is not None:
            raise PreflightError(
                f"namespace {target.namespace!r} (from --namespace) does not exist"
            ) from None
        raise
    log.info("Created %s for leader election between replicas", target.describe())


def _peering_exists(api: kubernetes.client.ApiClient, target: PeeringTarget) -> bool:
    objects = kubernetes.client.CustomObjectsApi(api)
    try:
        if target.namespace is None:
            objects.get_cluster_custom_object(PEERING_GROUP, PEERING_VERSION, target.plural, target.name)
        else:
            objects.get_namespaced_custom_object(
                PEERING_GROUP, PEERING_VERSION, target.namespace, target.plural, target.name
            )
    except ApiException as exc:
        if exc.status == 404:
            return False
        if exc.status in (401, 403):
            raise PreflightError(
                f"this identity may not read {target.describe()} (HTTP {exc.status}): grant get, list, "
                f"watch and patch on {target.plural}.{PEERING_GROUP} (the Helm chart's role does), "
                "or run a single replica with --standalone"
            ) from None
        raise
    return True


def _served(api: kubernetes.client.ApiClient, group: str, version: str) -> set[str]:
    """Plurals served under group/version (discovery, which every authenticated identity may read)."""
    try:
        resources = kubernetes.client.CustomObjectsApi(api).get_api_resources(group, version)
    except ApiException as exc:
        if exc.status == 404:
            return set()
        raise
    return {r.name for r in resources.resources if "/" not in r.name}

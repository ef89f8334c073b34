"""The chart and the kustomize base against the real kube-apiserver: install, upgrade with every
option on, uninstall; `kubectl apply -k` of manifests/install; the base equals the chart's render."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.chart import (
    CHART,
    INSTALL,
    fullname,
    helm_template,
    kubectl,
    objects,
    run,
)

pytestmark = pytest.mark.e2e

ALL_OPTIONS = CHART / "ci" / "all-options-values.yaml"
HELM_ONLY_LABELS = ("helm.sh/chart", "app.kubernetes.io/managed-by")


def live(kubeconfig: Path, namespace: str, *resources: str) -> dict[str, Any]:
    out = kubectl(kubeconfig, "get", "--namespace", namespace, "-o", "json", *resources).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def test_chart_installs_upgrades_with_every_option_and_uninstalls_cleanly(
    install_chart: Callable[..., str],
    helm: str,
    kubeconfig_path: Path,
    namespace: str,
    monitoring_crds: list[Path],
) -> None:
    release = install_chart()
    name = fullname(release)
    deployment = live(kubeconfig_path, namespace, f"deployment/{name}")
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == name
    live(
        kubeconfig_path, namespace, f"service/{name}", f"poddisruptionbudget/{name}", f"serviceaccount/{name}"
    )
    kubectl(
        kubeconfig_path,
        "get",
        f"clusterrole/{name}",
        f"clusterrolebinding/{name}",
        f"clusterkopfpeering/{name}",
    )

    # Every option on; the CRDs stay with crds/ (they exist, owned by no release) and the watched
    # namespace is the test's, so the KopfPeering objects (and the Git-lineage Roles, meant for
    # Argo CD's and Flux's namespaces) have somewhere to live.
    run(
        helm,
        "upgrade",
        release,
        str(CHART),
        "--namespace",
        namespace,
        "--kubeconfig",
        str(kubeconfig_path),
        "-f",
        str(ALL_OPTIONS),
        "--set",
        "crds.enabled=false",
        "--set",
        f"operator.namespaces={{{namespace}}}",
        "--set",
        f"rbac.argocdApplicationNamespaces={{{namespace}}}",
        "--set",
        f"rbac.fluxKustomizationNamespaces={{{namespace}}}",
    )
    kinds = live(kubeconfig_path, namespace, "networkpolicy,servicemonitor,kopfpeering")["items"]
    assert sorted(i["kind"] for i in kinds) == ["KopfPeering", "NetworkPolicy", "ServiceMonitor"]
    env = {
        e["name"]: e.get("value")
        for e in live(kubeconfig_path, namespace, f"deployment/{name}")["spec"]["template"]["spec"][
            "containers"
        ][0]["env"]
    }
    assert env["SMPO_NAMESPACES"] == namespace and env["SMPO_REGION"] == "eu-west-1"

    run(helm, "uninstall", release, "--namespace", namespace, "--kubeconfig", str(kubeconfig_path))
    gone = kubectl(kubeconfig_path, "get", f"clusterrole/{name}", f"clusterrolebinding/{name}", check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr


def without_helm_labels(obj: dict[str, Any]) -> dict[str, Any]:
    labels = obj["metadata"].get("labels", {})
    for label in HELM_ONLY_LABELS:
        labels.pop(label, None)
    return obj


def keyed(docs: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]): d for d in docs}


def test_kustomize_base_builds_exactly_the_chart_default_render_less_its_peering_object(
    helm: str, kubeconfig_path: Path
) -> None:
    built = keyed(objects(kubectl(kubeconfig_path, "kustomize", str(INSTALL)).stdout))
    rendered = objects(
        helm_template(
            helm,
            "--include-crds",
            release="sagemaker-pipelines-operator",
            namespace="sagemaker-pipelines-operator",
        )
    )
    # The operator creates its peering object; a base that shipped it could not be applied in one
    # go to a cluster without kopf's CRD (tests/e2e/test_smpo_run_out_of_the_box.py).
    expected = keyed([without_helm_labels(o) for o in rendered if o["kind"] != "ClusterKopfPeering"])
    namespace_obj = built.pop(("Namespace", "", "sagemaker-pipelines-operator"))
    assert namespace_obj["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert built.keys() == expected.keys()
    for key, obj in expected.items():
        assert built[key] == obj, key


def test_kustomize_base_applies_to_the_real_apiserver(
    kubeconfig_path: Path, namespace: str, tmp_path: Path
) -> None:
    # An overlay as a user would write one: another namespace and a suffix, so that the cluster
    # objects of this test cannot clash with other installations on the shared API server.
    suffix = secrets.token_hex(3)
    base = os.path.relpath(INSTALL, tmp_path)
    overlay = {"resources": [base], "namespace": namespace, "nameSuffix": f"-{suffix}"}
    (tmp_path / "kustomization.yaml").write_text(json.dumps(overlay), encoding="utf-8")
    docs = objects(kubectl(kubeconfig_path, "kustomize", str(tmp_path)).stdout)
    crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
    rest = [d for d in docs if d["kind"] not in {"CustomResourceDefinition", "Namespace"}]
    assert len(crds) == 6 and rest  # our four kinds and kopf's two peering kinds
    # The CRDs are shared by the whole session: prove they apply, change nothing.
    kubectl(
        kubeconfig_path,
        "apply",
        "--server-side",
        "--force-conflicts",
        "--dry-run=server",
        "-f",
        "-",
        input=json.dumps({"apiVersion": "v1", "kind": "List", "items": crds}),
    )
    manifest = json.dumps({"apiVersion": "v1", "kind": "List", "items": rest})
    try:
        kubectl(kubeconfig_path, "apply", "--server-side", "-f", "-", input=manifest)
        role = json.loads(
            kubectl(
                kubeconfig_path,
                "get",
                "-o",
                "json",
                f"clusterrolebinding/sagemaker-pipelines-operator-{suffix}",
            ).stdout
        )
        assert role["roleRef"]["name"] == f"sagemaker-pipelines-operator-{suffix}"
        assert role["subjects"][0]["namespace"] == namespace
        live(kubeconfig_path, namespace, f"deployment/sagemaker-pipelines-operator-{suffix}")
    finally:
        kubectl(kubeconfig_path, "delete", "--ignore-not-found", "-f", "-", input=manifest, check=False)

"""The chart's RBAC on the real API server: the ServiceAccount holds exactly the permissions the
operator needs (listed by `kubectl auth can-i --list`), and an operator running in-process with
that ServiceAccount's token creates a pipeline, runs it, lets a run expire and deletes the pipeline
(all against the emulator) without a permission error."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.settings import OperatorSettings
from tests.fixtures.argocd import argocd_health
from tests.fixtures.chart import fullname, kubectl
from tests.fixtures.kube import refusals, service_account_token
from tests.fixtures.operator import RunningOperator, start
from tests.fixtures.runs import Kube, run_manifest, wait_for

pytestmark = pytest.mark.e2e

Permission = tuple[str, str, str]  # (resource, resource names, verb)
_ROW = re.compile(r"^(\S*)\s+\[(.*?)\]\s+\[(.*?)\]\s+\[(.*?)\]\s*$")
KINDS = ("pipelines", "pipelineruns", "pipelineschedules", "pipelinetriggers")


def perms(resource: str, *verbs: str, names: str = "") -> set[Permission]:
    return {(resource, names, verb) for verb in verbs}


OWN_KINDS = (
    perms(f"pipelines.{GROUP}", "get", "list", "watch", "patch", "update")
    | perms(f"pipelineschedules.{GROUP}", "get", "list", "watch", "patch", "update")
    | perms(f"pipelinetriggers.{GROUP}", "get", "list", "watch", "patch", "update")
    | perms(f"pipelineruns.{GROUP}", "get", "list", "watch", "patch", "update", "create", "delete")
    | {p for k in KINDS for p in perms(f"{k}.{GROUP}/status", "get", "patch", "update")}
    | {p for k in KINDS for p in perms(f"{k}.{GROUP}/finalizers", "update", "patch")}
    | perms("events", "create", "patch")
    | perms("configmaps", "get", "list", "watch")
    | perms("secrets", "get")
)
CLUSTER_READS = perms("namespaces", "get", "list", "watch") | perms(
    "customresourcedefinitions.apiextensions.k8s.io", "get", "list", "watch"
)


def can_i_list(kubeconfig: Path, namespace: str, service_account: str, where: str) -> set[Permission]:
    out = kubectl(
        kubeconfig,
        "auth",
        "can-i",
        "--list",
        "--namespace",
        where,
        f"--as=system:serviceaccount:{namespace}:{service_account}",
    ).stdout
    found: set[Permission] = set()
    for line in out.splitlines()[1:]:
        match = _ROW.match(line)
        assert match, f"unparsed can-i row: {line!r}"
        resource, urls, names, verbs = match.groups()
        if urls:
            continue  # non-resource URLs (discovery), granted to every authenticated user
        found |= {(resource, names, verb) for verb in verbs.split()}
    return found


def granted_by_chart(kubeconfig: Path, namespace: str, service_account: str, where: str) -> set[Permission]:
    """What the chart's ServiceAccount may do in `where`, minus what any ServiceAccount may do."""
    kubectl(kubeconfig, "create", "serviceaccount", "nobody", "--namespace", namespace, check=False)
    baseline = can_i_list(kubeconfig, namespace, "nobody", where)
    return can_i_list(kubeconfig, namespace, service_account, where) - baseline


def test_cluster_scope_grants_exactly_what_the_operator_uses(
    install_chart: Callable[..., str], kubeconfig_path: Path, namespace: str
) -> None:
    name = fullname(install_chart())
    peering = perms("clusterkopfpeerings.kopf.dev", "get", "list", "watch", "patch", "create")
    expected = OWN_KINDS | CLUSTER_READS | peering
    assert granted_by_chart(kubeconfig_path, namespace, name, namespace) == expected
    assert granted_by_chart(kubeconfig_path, namespace, name, "default") == expected


def test_namespace_scope_grants_only_in_watched_namespaces(
    install_chart: Callable[..., str], kubeconfig_path: Path, namespace: str
) -> None:
    name = fullname(install_chart("--set", "installScope=Namespace"))
    peering = perms("kopfpeerings.kopf.dev", "get", "list", "watch", "patch", "create")
    own_namespace = perms("namespaces", "get", names=namespace)
    granted = granted_by_chart(kubeconfig_path, namespace, name, namespace)
    assert granted == OWN_KINDS | peering | own_namespace | CLUSTER_READS
    assert granted_by_chart(kubeconfig_path, namespace, name, "default") == CLUSTER_READS


def test_namespace_scope_without_cluster_reads_sees_only_its_own_namespace_object(
    install_chart: Callable[..., str], kubeconfig_path: Path, namespace: str
) -> None:
    name = fullname(install_chart("--set", "installScope=Namespace", "--set", "rbac.clusterReads=false"))
    who = f"--as=system:serviceaccount:{namespace}:{name}"
    own = kubectl(kubeconfig_path, "auth", "can-i", "get", f"namespace/{namespace}", "-n", namespace, who)
    assert own.stdout.strip() == "yes"
    other = kubectl(kubeconfig_path, "auth", "can-i", "get", "namespace/default", who, check=False)
    assert other.stdout.strip() == "no"
    assert granted_by_chart(kubeconfig_path, namespace, name, "default") == set()


def test_lineage_grants_only_get_on_gitops_objects_in_the_named_namespaces(
    install_chart: Callable[..., str], kubeconfig_path: Path, namespace: str
) -> None:
    name = fullname(
        install_chart(
            "--set",
            f"rbac.argocdApplicationNamespaces={{{namespace}}}",
            "--set",
            f"rbac.fluxKustomizationNamespaces={{{namespace}}}",
        )
    )
    peering = perms("clusterkopfpeerings.kopf.dev", "get", "list", "watch", "patch", "create")
    lineage = perms("applications.argoproj.io", "get") | perms(
        "kustomizations.kustomize.toolkit.fluxcd.io", "get"
    )
    assert (
        granted_by_chart(kubeconfig_path, namespace, name, namespace)
        == OWN_KINDS | CLUSTER_READS | peering | lineage
    )
    assert (
        granted_by_chart(kubeconfig_path, namespace, name, "default") == OWN_KINDS | CLUSTER_READS | peering
    )


# --- The operator itself, with the chart's ServiceAccount token ---------------------------------


def token_kubeconfig(admin: client.Configuration, token: str, path: Path) -> Path:
    """A kubeconfig for the same API server as `admin`, authenticating with `token`."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "c", "cluster": {"server": admin.host, "certificate-authority": admin.ssl_ca_cert}}
        ],
        "users": [{"name": "sa", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "c", "user": "sa"}}],
        "current-context": "sa",
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture
def operator_as_chart_sa(
    install_chart: Callable[..., str],
    kube_api: client.ApiClient,
    namespace: str,
    tmp_path: Path,
    aws_test_env: dict[str, str],
) -> Iterator[Callable[[str], str]]:
    """Factory: install the chart with `installScope`, then run the operator in-process (against
    the emulator) with a token of the chart's ServiceAccount (TokenRequest) and the chart's
    peering object; returns the release's full name."""
    running: list[RunningOperator] = []

    def run_operator(scope: str) -> str:
        args = ["--set", f"installScope={scope}", "--set", f"operator.namespaces={{{namespace}}}"]
        name = fullname(install_chart(*args))
        token = service_account_token(kube_api, namespace, name)
        kubeconfig = token_kubeconfig(kube_api.configuration, token, tmp_path / "sa.kubeconfig")
        settings = OperatorSettings(
            namespaces=(namespace,),
            peering=name,
            metrics_port=0,
            health_port=0,
            region="us-east-1",
            poll_min_seconds=0.5,
            poll_max_seconds=2.0,
        )
        running.append(start(settings, str(kubeconfig)))
        return name

    yield run_operator
    for op in running:
        if op.thread.is_alive():
            op.stop()


@pytest.mark.parametrize("scope", ["Cluster", "Namespace"])
def test_operator_with_the_chart_service_account_runs_a_pipeline_without_permission_errors(
    scope: str,
    operator_as_chart_sa: Callable[[str], str],
    kube_api: client.ApiClient,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    name = operator_as_chart_sa(scope)
    kube = Kube(kube_api, namespace)

    kube.ready_pipeline("rbac-check")  # status, finalizer, Events, SageMaker create
    assert argocd_health(kube.get("Pipeline", "rbac-check") or {})[0] == "Healthy"
    peering = kube.api.get_namespaced_custom_object("kopf.dev", "v1", namespace, "kopfpeerings", name)
    assert peering.get("status"), "the operator did not announce itself in its KopfPeering"

    # A run to completion, then deleted by the operator itself (ttlSecondsAfterFinished).
    kube.create(run_manifest("rbac-run", "rbac-check", ttlSecondsAfterFinished=0))
    wait_for(lambda: kube.get("PipelineRun", "rbac-run") is None, what="the finished run's TTL deletion")
    assert "ExecutionSucceeded" in [reason for _, reason, _ in kube.events("rbac-run")]

    kube.delete("Pipeline", "rbac-check")
    wait_for(lambda: kube.get("Pipeline", "rbac-check") is None, what="the Pipeline's finalizer")
    denied = refusals("\n".join(r.getMessage() for r in caplog.records))
    assert not denied, denied

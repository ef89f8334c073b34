"""The Helm chart, offline: lint, renders validated by kubeconform, generated files in sync, the
operator settings contract, pod security, scopes and the values schema."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from sagemaker_pipelines_operator.settings import OperatorSettings, add_arguments, from_arguments
from tests.fixtures.chart import CHART, KUBE_VERSION, REPO_ROOT, helm_template, objects, run, validate

pytestmark = pytest.mark.e2e

ALL_OPTIONS = CHART / "ci" / "all-options-values.yaml"
NAMESPACE_SCOPE = CHART / "ci" / "namespace-scope-values.yaml"
RENDERS = {
    "default": ["--include-crds"],
    "all-options": ["-f", str(ALL_OPTIONS)],
    "namespace-scope": ["-f", str(NAMESPACE_SCOPE), "--include-crds"],
}


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (deployment,) = by_kind(docs, "Deployment")
    (operator,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(operator)


def env_of(docs: list[dict[str, Any]]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container(docs)["env"]}


@pytest.mark.parametrize("values", [None, ALL_OPTIONS, NAMESPACE_SCOPE], ids=["default", "all", "ns"])
def test_chart_lints_strictly(helm: str, values: Path | None) -> None:
    args = ["-f", str(values)] if values else []
    result = run(helm, "lint", "--strict", "--kube-version", KUBE_VERSION, str(CHART), *args)
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("name", list(RENDERS))
def test_chart_render_is_valid_against_kubernetes_and_crd_schemas(
    helm: str, kubeconform: str, kube_schemas: str, name: str
) -> None:
    text = helm_template(helm, *RENDERS[name])
    report = validate(kubeconform, kube_schemas, text)
    assert report["summary"]["valid"] == len(objects(text)) > 0


def test_generated_chart_files_and_install_base_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "hack" / "chartgen.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_chart_crds_are_the_repository_crds_with_kopf_peering() -> None:
    ours = {p.name: p.read_text() for p in (REPO_ROOT / "crds").glob("*.yaml")}
    chart = {p.name: p.read_text() for p in (CHART / "crds").glob("*.yaml")}
    assert chart == ours
    assert {"kopf.dev_clusterkopfpeerings.yaml", "kopf.dev_kopfpeerings.yaml"} <= set(ours)


def test_every_operator_setting_is_rendered_and_parsed_back(
    helm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = env_of(objects(helm_template(helm, "-f", str(ALL_OPTIONS))))
    settings_env = {"SMPO_" + f.name.upper() for f in fields(OperatorSettings) if f.name != "extra"}
    assert settings_env <= set(env), f"settings without a chart value: {sorted(settings_env - set(env))}"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    settings = from_arguments(parser.parse_args([]))
    assert settings.namespaces == ("ml-team-a", "ml-team-b")
    assert settings.allowed_role_accounts == ("123456789012", "210987654321")
    assert (settings.region, settings.cluster_id, settings.selector) == ("eu-west-1", "prod-eu-1", "shard=a")
    assert (settings.peering, settings.aws_tps, settings.default_deletion_policy) == (
        "smpo-shard-a",
        5.5,
        "Delete",
    )
    assert settings.allow_unmanaged_pipelines and settings.require_namespace_role
    assert settings.peering_lifetime_seconds == 30
    assert (settings.log_format, settings.log_level) == ("text", "DEBUG")
    assert env["AWS_ENDPOINT_URL_SAGEMAKER"] == "https://api.sagemaker.eu-west-1.amazonaws.com"


def test_operator_pod_is_restricted_and_probed_on_its_health_port(helm: str) -> None:
    docs = objects(helm_template(helm))
    op = container(docs)
    sc = op["securityContext"]
    assert sc["runAsNonRoot"] and sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"]
    assert sc["capabilities"]["drop"] == ["ALL"] and sc["seccompProfile"]["type"] == "RuntimeDefault"
    ports = {p["name"]: p["containerPort"] for p in op["ports"]}
    assert ports == {"http-metrics": 8080, "health": 8081}
    assert op["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert op["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert "args" not in op  # peering on: plain `smpo run`
    (service,) = by_kind(docs, "Service")
    assert service["spec"]["ports"][0]["targetPort"] == "http-metrics"
    assert by_kind(docs, "PodDisruptionBudget")[0]["spec"]["maxUnavailable"] == 1
    assert not by_kind(docs, "NetworkPolicy") and not by_kind(docs, "ServiceMonitor")


def test_webhook_port_is_open_on_the_pod_service_and_network_policy_only_when_served(helm: str) -> None:
    on = ["--set", "networkPolicy.enabled=true"]
    (closed,) = by_kind(objects(helm_template(helm, *on)), "NetworkPolicy")
    opened = [p["port"] for rule in closed["spec"]["ingress"] for p in rule["ports"]]
    assert opened == ["http-metrics", "health"]

    alertmanager = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    served = objects(
        helm_template(
            helm,
            *on,
            "--set",
            "operator.webhookPort=9443",
            "--set-json",
            f"networkPolicy.webhookFrom=[{json.dumps(alertmanager)}]",
        )
    )
    (policy,) = by_kind(served, "NetworkPolicy")
    (webhook,) = [r for r in policy["spec"]["ingress"] if r["ports"][0]["port"] == "http-webhook"]
    assert webhook == {"ports": [{"port": "http-webhook", "protocol": "TCP"}], "from": [alertmanager]}
    ports = {p["name"]: p["containerPort"] for p in container(served)["ports"]}
    assert ports["http-webhook"] == 9443
    (service,) = by_kind(served, "Service")
    assert {"name": "http-webhook", "port": 9443, "targetPort": "http-webhook", "protocol": "TCP"} in service[
        "spec"
    ]["ports"]
    assert env_of(served)["SMPO_WEBHOOK_PORT"] == "9443"
    assert "SMPO_WEBHOOK_TLS_CERT_FILE" not in env_of(served)


def test_webhook_tls_mounts_the_secret_and_names_the_port_https(helm: str) -> None:
    docs = objects(
        helm_template(
            helm,
            "--set",
            "networkPolicy.enabled=true",
            "--set",
            "operator.webhookPort=9443",
            "--set",
            "operator.webhookTls.secretName=smpo-webhook-tls",
        )
    )
    env = env_of(docs)
    assert (env["SMPO_WEBHOOK_TLS_CERT_FILE"], env["SMPO_WEBHOOK_TLS_KEY_FILE"]) == (
        "/etc/smpo/webhook-tls/tls.crt",
        "/etc/smpo/webhook-tls/tls.key",
    )
    op = container(docs)
    (mount,) = [m for m in op["volumeMounts"] if m["name"] == "webhook-tls"]
    assert mount == {"name": "webhook-tls", "mountPath": "/etc/smpo/webhook-tls", "readOnly": True}
    assert "subPath" not in mount  # a subPath mount would never see the renewed Secret
    (deployment,) = by_kind(docs, "Deployment")
    (volume,) = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "webhook-tls"]
    assert volume["secret"]["secretName"] == "smpo-webhook-tls"
    assert {p["name"] for p in op["ports"]} == {"http-metrics", "health", "https-webhook"}
    (service,) = by_kind(docs, "Service")
    assert "https-webhook" in [p["targetPort"] for p in service["spec"]["ports"]]
    (policy,) = by_kind(docs, "NetworkPolicy")
    assert ["https-webhook"] in [[p["port"] for p in r["ports"]] for r in policy["spec"]["ingress"]]


def test_irsa_role_is_an_annotation_on_the_service_account_only_when_set(helm: str) -> None:
    (plain,) = by_kind(objects(helm_template(helm)), "ServiceAccount")
    assert "annotations" not in plain["metadata"]
    arn = "arn:aws:iam::123456789012:role/smpo"
    (irsa,) = by_kind(
        objects(helm_template(helm, "--set", f"serviceAccount.roleArn={arn}")), "ServiceAccount"
    )
    assert irsa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": arn}


def test_cluster_scope_watching_all_namespaces_uses_cluster_peering(helm: str) -> None:
    docs = objects(helm_template(helm))
    (role,) = by_kind(docs, "ClusterRole")
    peering_rules = [r for r in role["rules"] if r["apiGroups"] == ["kopf.dev"]]
    assert peering_rules == [
        {
            "apiGroups": ["kopf.dev"],
            "resources": ["clusterkopfpeerings"],
            "verbs": ["get", "list", "watch", "patch", "create"],
        }
    ]
    assert [p["metadata"]["name"] for p in by_kind(docs, "ClusterKopfPeering")] == [
        "smpo-sagemaker-pipelines-operator"
    ]
    assert "SMPO_NAMESPACES" not in env_of(docs)
    assert not by_kind(docs, "Role")


def test_namespace_scope_grants_roles_per_namespace_and_only_reads_cluster_wide(helm: str) -> None:
    docs = objects(helm_template(helm, "-f", str(NAMESPACE_SCOPE)))
    assert sorted(r["metadata"]["namespace"] for r in by_kind(docs, "Role")) == ["ml-team-a", "ml-team-b"]
    assert sorted(r["metadata"]["namespace"] for r in by_kind(docs, "RoleBinding")) == [
        "ml-team-a",
        "ml-team-b",
    ]
    assert sorted(p["metadata"]["namespace"] for p in by_kind(docs, "KopfPeering")) == [
        "ml-team-a",
        "ml-team-b",
    ]
    (reads,) = by_kind(docs, "ClusterRole")
    assert {v for r in reads["rules"] for v in r["verbs"]} == {"get", "list", "watch"}
    assert env_of(docs)["SMPO_NAMESPACES"] == "ml-team-a,ml-team-b"
    strict = objects(helm_template(helm, "-f", str(NAMESPACE_SCOPE), "--set", "rbac.clusterReads=false"))
    assert not by_kind(strict, "ClusterRole") and not by_kind(strict, "ClusterRoleBinding")


def test_namespace_scope_defaults_to_the_release_namespace(helm: str) -> None:
    docs = objects(helm_template(helm, "--set", "installScope=Namespace", namespace="ml-ops"))
    assert [r["metadata"]["namespace"] for r in by_kind(docs, "Role")] == ["ml-ops"]
    assert env_of(docs)["SMPO_NAMESPACES"] == "ml-ops"


def test_peering_off_runs_standalone_without_peering_objects_or_permissions(helm: str) -> None:
    docs = objects(helm_template(helm, "--set", "operator.peering.enabled=false"))
    assert container(docs)["args"] == ["--standalone"]
    assert "SMPO_PEERING" not in env_of(docs)
    assert not by_kind(docs, "ClusterKopfPeering")
    (role,) = by_kind(docs, "ClusterRole")
    assert all("kopf.dev" not in r["apiGroups"] for r in role["rules"])


def test_templated_crds_carry_the_keep_policy(helm: str) -> None:
    crds = by_kind(objects(helm_template(helm, "-f", str(ALL_OPTIONS))), "CustomResourceDefinition")
    assert len(crds) == len(list((CHART / "crds").glob("*.yaml")))
    assert all(c["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"} for c in crds)
    unkept = objects(helm_template(helm, "--set", "crds.enabled=true", "--set", "crds.keep=false"))
    assert all("annotations" not in c["metadata"] for c in by_kind(unkept, "CustomResourceDefinition"))


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("installScope=Everywhere", "installScope"),
        ("typo=1", "typo"),
        ("operator.logFormat=xml", "logFormat"),
        ("operator.allowedRoleAccounts={abc}", "allowedRoleAccounts"),
        ("operator.defaultDeletionPolicy=Orphan", "defaultDeletionPolicy"),
        ("serviceAccount.roleArn=not-an-arn", "roleArn"),
        ("operator.metricsPort=0", "metricsPort"),
        ("operator.webhookTls.secret=x", "secret"),
        ("prometheus.rule.jobSelecter=x", "jobSelecter"),
        ("prometheus.rule.runbookBaseURL=wiki/runbooks", "runbookBaseURL"),
    ],
)
def test_values_schema_rejects_bad_values(helm: str, setting: str, complaint: str) -> None:
    result = run(
        helm, "template", "x", str(CHART), "--kube-version", KUBE_VERSION, "--set", setting, check=False
    )
    assert result.returncode != 0 and complaint in result.stderr, result.stderr

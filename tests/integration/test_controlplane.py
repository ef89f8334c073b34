"""The local control plane: lifecycle, authentication, RBAC, CEL admission, CRDs and the
controllers we run (garbage collector, namespace, serviceaccount)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sagemaker_pipelines_operator.controlplane import ClusterInfo, PortInUseError, down, status, up
from sagemaker_pipelines_operator.controlplane.binaries import KUBECTL, find_binary
from sagemaker_pipelines_operator.controlplane.processes import is_alive
from tests.fixtures.chart import KUBE_VERSION
from tests.fixtures.kube import CRD_DIR, api_client, service_account_token


def eventually(check: Callable[[], bool], timeout: float = 30.0, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check.__doc__ or check}")
        time.sleep(interval)


def test_up_down_lifecycle_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    directory = tmp_path / "cp"
    started = time.monotonic()
    info = up(directory, die_with_parent=True)
    first_up = time.monotonic() - started
    try:
        started = time.monotonic()
        again = up(directory)
        second_up = time.monotonic() - started
        assert again == info, "up on a running directory returns the running control plane"
        assert status(directory) == info
        state = json.loads((directory / "state.json").read_text())
        assert state["pids"] == info.pids and state["ports"]["apiserver"] == info.ports.apiserver

        with api_client(info, info.admin_token) as api:
            client.CoreV1Api(api).create_namespace(
                client.V1Namespace(metadata=client.V1ObjectMeta(name="survives-restart"))
            )

        assert down(directory) is True
        assert not any(is_alive(pid) for pid in info.pids.values())
        assert not (directory / "state.json").exists()
        assert status(directory) is None
        assert down(directory) is False, "down when nothing runs is a no-op"

        started = time.monotonic()
        restarted = up(directory, die_with_parent=True)
        restart_up = time.monotonic() - started
        with api_client(restarted, restarted.admin_token) as api:
            names = [ns.metadata.name for ns in client.CoreV1Api(api).list_namespace().items]
        assert "survives-restart" in names
        assert restarted.admin_token == info.admin_token, "tokens are kept so kubeconfigs stay valid"
    finally:
        down(directory)
    print(
        f"\nup (fresh): {first_up:.1f}s, up (already running): {second_up:.2f}s, "
        f"up (restart): {restart_up:.1f}s"
    )


def test_down_where_nothing_ever_ran_is_a_noop(tmp_path: Path) -> None:
    assert down(tmp_path / "never-created") is False
    assert not (tmp_path / "never-created").exists()
    assert down(tmp_path) is False
    assert list(tmp_path.iterdir()) == []


def test_taken_port_is_reported_clearly_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"port {port} .* already in use"):
            up(tmp_path / "cp", port=port)
    assert not (tmp_path / "cp" / "state.json").exists()


def test_kubectl_lists_namespaces_with_the_written_kubeconfig(kubeconfig_path: Path, namespace: str) -> None:
    out = subprocess.run(
        [str(find_binary(KUBECTL)), f"--kubeconfig={kubeconfig_path}", "get", "namespaces", "-o", "name"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    assert "namespace/default" in out
    assert f"namespace/{namespace}" in out


def test_server_and_kubectl_report_the_pinned_kubernetes_version(kubeconfig_path: Path) -> None:
    """The build stamps the version (hack/controlplane/kubernetes/ldflags): Helm checks a chart's
    kubeVersion against /version, and users read `kubectl version`."""
    out = subprocess.run(
        [str(find_binary(KUBECTL)), f"--kubeconfig={kubeconfig_path}", "version", "-o", "json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    versions = json.loads(out)
    assert versions["serverVersion"]["gitVersion"] == KUBE_VERSION
    assert versions["clientVersion"]["gitVersion"] == KUBE_VERSION
    assert (versions["serverVersion"]["major"], versions["serverVersion"]["minor"]) == ("1", "36")


def test_unknown_token_is_unauthenticated(control_plane: ClusterInfo) -> None:
    with api_client(control_plane, "not-a-token") as api, pytest.raises(ApiException) as caught:
        client.CoreV1Api(api).list_namespace()
    assert caught.value.status == 401


def test_anonymous_user_is_forbidden_by_rbac(control_plane: ClusterInfo) -> None:
    with api_client(control_plane, None) as api, pytest.raises(ApiException) as caught:
        client.CoreV1Api(api).list_namespace()
    assert caught.value.status == 403
    assert "system:anonymous" in caught.value.body


def test_service_account_needs_a_role_binding_to_list_pods(
    kube_api: client.ApiClient, control_plane: ClusterInfo, namespace: str
) -> None:
    token = service_account_token(kube_api, namespace, "reader")
    with api_client(control_plane, token) as api:
        core = client.CoreV1Api(api)
        with pytest.raises(ApiException) as caught:
            core.list_namespaced_pod(namespace)
        assert caught.value.status == 403
        assert f"system:serviceaccount:{namespace}:reader" in caught.value.body

        rbac = client.RbacAuthorizationV1Api(kube_api)
        rbac.create_namespaced_role(
            namespace,
            client.V1Role(
                metadata=client.V1ObjectMeta(name="pod-reader"),
                rules=[client.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["list"])],
            ),
        )
        rbac.create_namespaced_role_binding(
            namespace,
            client.V1RoleBinding(
                metadata=client.V1ObjectMeta(name="reader-reads-pods"),
                role_ref=client.V1RoleRef(
                    api_group="rbac.authorization.k8s.io", kind="Role", name="pod-reader"
                ),
                subjects=[client.RbacV1Subject(kind="ServiceAccount", name="reader", namespace=namespace)],
            ),
        )

        def allowed() -> bool:
            """the bound ServiceAccount can list pods"""
            try:
                core.list_namespaced_pod(namespace)
            except ApiException as exc:
                if exc.status != 403:
                    raise
                return False
            return True

        eventually(allowed, timeout=10)


def test_repository_crds_are_established(kube_api: client.ApiClient) -> None:
    expected = [
        doc["metadata"]["name"]
        for path in sorted(CRD_DIR.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc and doc.get("kind") == "CustomResourceDefinition"
    ]
    assert expected, "crds/ holds the generated CRDs"
    extensions = client.ApiextensionsV1Api(kube_api)
    for name in expected:
        conditions = extensions.read_custom_resource_definition(name).status.conditions
        assert any(c.type == "Established" and c.status == "True" for c in conditions), name


def test_crd_cel_rules_reject_invalid_objects(kube_api: client.ApiClient, namespace: str) -> None:
    custom = client.CustomObjectsApi(kube_api)
    body = {
        "apiVersion": "sagemaker.pipelines.dev/v1alpha1",
        "kind": "PipelineRun",
        "metadata": {"name": "both-missing"},
        "spec": {},
    }
    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(
            "sagemaker.pipelines.dev", "v1alpha1", namespace, "pipelineruns", body
        )
    assert caught.value.status == 422
    assert "set exactly one of pipelineRef or pipelineName" in caught.value.body


def test_validating_admission_policy_denies_with_cel(kube_api: client.ApiClient, namespace: str) -> None:
    admission = client.AdmissionregistrationV1Api(kube_api)
    policy_name = f"no-forbidden-key-{namespace}"
    admission.create_validating_admission_policy(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": policy_name},
            "spec": {
                "failurePolicy": "Fail",
                "matchConstraints": {
                    "resourceRules": [
                        {
                            "apiGroups": [""],
                            "apiVersions": ["v1"],
                            "operations": ["CREATE"],
                            "resources": ["configmaps"],
                        }
                    ]
                },
                "validations": [
                    {
                        "expression": "!has(object.data) || !('forbidden' in object.data)",
                        "message": "key 'forbidden' is not allowed",
                    }
                ],
            },
        }
    )
    admission.create_validating_admission_policy_binding(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": policy_name},
            "spec": {
                "policyName": policy_name,
                "validationActions": ["Deny"],
                "matchResources": {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
                },
            },
        }
    )
    core = client.CoreV1Api(kube_api)
    try:
        attempt = 0

        def denied() -> bool:
            """the policy denies a ConfigMap with the forbidden key"""
            nonlocal attempt
            attempt += 1
            cm = client.V1ConfigMap(
                metadata=client.V1ObjectMeta(name=f"probe-{attempt}"), data={"forbidden": "x"}
            )
            try:
                core.create_namespaced_config_map(namespace, cm)
            except ApiException as exc:
                return exc.status in (400, 403, 422) and "key 'forbidden' is not allowed" in exc.body
            return False

        eventually(denied, timeout=15)
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="fine"), data={"ok": "y"})
        )
    finally:
        admission.delete_validating_admission_policy_binding(policy_name)
        admission.delete_validating_admission_policy(policy_name)


def test_garbage_collector_deletes_custom_resources_whose_owner_is_gone(
    kube_api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(kube_api)
    owner = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="owner"))
    )
    custom = client.CustomObjectsApi(kube_api)
    run = {
        "apiVersion": "sagemaker.pipelines.dev/v1alpha1",
        "kind": "PipelineRun",
        "metadata": {
            "name": "owned-run",
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
            ],
        },
        "spec": {"pipelineRef": {"name": "some-pipeline"}},
    }
    custom.create_namespaced_custom_object(
        "sagemaker.pipelines.dev", "v1alpha1", namespace, "pipelineruns", run
    )
    core.delete_namespaced_config_map("owner", namespace)

    def collected() -> bool:
        """the owned PipelineRun is garbage-collected"""
        items = custom.list_namespaced_custom_object(
            "sagemaker.pipelines.dev", "v1alpha1", namespace, "pipelineruns"
        )["items"]
        return not items

    eventually(collected, timeout=30)


def test_deleted_namespace_is_finalized(kube_api: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="short-lived")))
    core.create_namespaced_config_map(
        "short-lived", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="content"))
    )
    core.delete_namespace("short-lived")

    def gone() -> bool:
        """the namespace controller finalizes and removes the namespace"""
        try:
            core.read_namespace("short-lived")
        except ApiException as exc:
            if exc.status == 404:
                return True
            raise
        return False

    eventually(gone, timeout=30)


def test_every_namespace_gets_a_default_service_account(kube_api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(kube_api)

    def created() -> bool:
        """the serviceaccount controller creates `default`"""
        return any(
            sa.metadata.name == "default" for sa in core.list_namespaced_service_account(namespace).items
        )

    eventually(created, timeout=15)

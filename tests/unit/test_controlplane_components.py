"""Command lines, token file and kubeconfig of the local control plane components."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from sagemaker_pipelines_operator.controlplane.certs import CertFiles
from sagemaker_pipelines_operator.controlplane.components import (
    ADMIN_USER,
    CONTROLLER_MANAGER_USER,
    Layout,
    Ports,
    Tokens,
    apiserver_args,
    controller_manager_args,
    etcd_args,
    render_kubeconfig,
)

LAYOUT = Layout(Path("/run/cp"))
PORTS = Ports(apiserver=6443, etcd_client=2379, etcd_peer=2380, controller_manager=10257)
CERTS = CertFiles.under(LAYOUT.pki)


def flags(argv: list[str]) -> dict[str, str]:
    return dict(arg.removeprefix("--").partition("=")[::2] for arg in argv[1:])


def test_etcd_serves_clients_and_peers_on_loopback_only() -> None:
    got = flags(etcd_args(Path("/bin/etcd"), LAYOUT, PORTS))
    assert got["listen-client-urls"] == "http://127.0.0.1:2379"
    assert got["listen-peer-urls"] == "http://127.0.0.1:2380"
    assert got["initial-cluster"] == "smpo=http://127.0.0.1:2380"
    assert got["data-dir"] == "/run/cp/etcd"


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("secure-port", "6443"),
        ("bind-address", "127.0.0.1"),
        ("etcd-servers", "http://127.0.0.1:2379"),
        ("authorization-mode", "RBAC"),
        ("token-auth-file", "/run/cp/tokens.csv"),
        ("tls-cert-file", "/run/cp/pki/apiserver.crt"),
        ("service-account-issuer", "https://kubernetes.default.svc.cluster.local"),
        ("service-account-key-file", "/run/cp/pki/sa.pub"),
        ("service-account-signing-key-file", "/run/cp/pki/sa.key"),
        ("service-cluster-ip-range", "10.0.0.0/24"),
        ("disable-admission-plugins", "ServiceAccount"),
    ],
)
def test_apiserver_flags(flag: str, value: str) -> None:
    assert flags(apiserver_args(Path("/bin/kube-apiserver"), LAYOUT, PORTS, CERTS))[flag] == value


def test_apiserver_keeps_default_admission_plugins_enabled() -> None:
    assert "enable-admission-plugins" not in flags(apiserver_args(Path("/k"), LAYOUT, PORTS, CERTS))


def test_controller_manager_runs_only_the_needed_controllers_without_leader_election() -> None:
    got = flags(controller_manager_args(Path("/bin/kcm"), LAYOUT, PORTS, CERTS))
    assert got["controllers"].split(",") == [
        "garbage-collector-controller",
        "namespace-controller",
        "serviceaccount-controller",
        "serviceaccount-token-controller",
    ]
    assert got["leader-elect"] == "false"
    assert got["kubeconfig"] == "/run/cp/controller-manager.kubeconfig"
    assert got["secure-port"] == "10257"
    assert got["service-account-private-key-file"] == "/run/cp/pki/sa.key"


def test_every_command_starts_with_the_binary() -> None:
    assert etcd_args(Path("/x/etcd"), LAYOUT, PORTS)[0] == "/x/etcd"
    assert apiserver_args(Path("/x/api"), LAYOUT, PORTS, CERTS)[0] == "/x/api"
    assert controller_manager_args(Path("/x/kcm"), LAYOUT, PORTS, CERTS)[0] == "/x/kcm"


def test_token_file_round_trips_and_puts_both_users_in_system_masters() -> None:
    tokens = Tokens.generate()
    text = tokens.render()
    assert Tokens.parse(text) == tokens
    lines = text.splitlines()
    assert lines[0] == f"{tokens.admin},{ADMIN_USER},{ADMIN_USER},system:masters"
    assert lines[1].startswith(f"{tokens.controller_manager},{CONTROLLER_MANAGER_USER},")


def test_generated_tokens_differ() -> None:
    a, b = Tokens.generate(), Tokens.generate()
    assert len({a.admin, a.controller_manager, b.admin, b.controller_manager}) == 4


@pytest.mark.parametrize("text", ["", "tok,someone-else,uid,group\n", "garbage"])
def test_token_file_without_our_users_parses_to_none(text: str) -> None:
    assert Tokens.parse(text) is None


def test_kubeconfig_has_server_ca_and_token() -> None:
    config = yaml.safe_load(render_kubeconfig("https://127.0.0.1:6443", b"PEM", "smpo-admin", "t0k"))
    (cluster,) = config["clusters"]
    assert cluster["cluster"]["server"] == "https://127.0.0.1:6443"
    assert base64.b64decode(cluster["cluster"]["certificate-authority-data"]) == b"PEM"
    (user,) = config["users"]
    assert user == {"name": "smpo-admin", "user": {"token": "t0k"}}
    assert config["current-context"] == config["contexts"][0]["name"]


def test_ports_round_trip_through_json() -> None:
    assert Ports.from_json(PORTS.to_json()) == PORTS

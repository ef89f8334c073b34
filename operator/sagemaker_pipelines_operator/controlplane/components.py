"""What each control plane component is run with: the directory layout, ports, command lines,
the static token file and kubeconfigs. Pure; `cluster.py` does the starting and stopping."""

from __future__ import annotations

import base64
import csv
import io
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from sagemaker_pipelines_operator.controlplane.binaries import (
    ETCD,
    KUBE_APISERVER,
    KUBE_CONTROLLER_MANAGER,
)
from sagemaker_pipelines_operator.controlplane.certs import CertFiles

SERVICE_CIDR = "10.0.0.0/24"
SERVICE_IP = "10.0.0.1"  # the `kubernetes` Service: the first address of SERVICE_CIDR
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"
ADMIN_USER = "smpo-admin"
CONTROLLER_MANAGER_USER = "system:kube-controller-manager"
SUPERUSER_GROUP = "system:masters"
CONTEXT = "smpo-local"
# Only the controllers a cluster without nodes needs: ownerReference garbage collection
# (schedules own their runs), namespace finalization (test namespaces really go away) and
# the `default` ServiceAccount in every namespace and tokens for service-account-token Secrets.
CONTROLLERS: tuple[str, ...] = (
    "garbage-collector-controller",
    "namespace-controller",
    "serviceaccount-controller",
    "serviceaccount-token-controller",
)
# Start order; stopped in reverse.
COMPONENTS: tuple[str, ...] = (ETCD, KUBE_APISERVER, KUBE_CONTROLLER_MANAGER)


@dataclass(frozen=True)
class Layout:
    """Where everything lives under the control plane directory."""

    root: Path

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def controller_manager_kubeconfig(self) -> Path:
        return self.root / "controller-manager.kubeconfig"

    @property
    def tokens(self) -> Path:
        return self.root / "tokens.csv"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def kubectl_cache(self) -> Path:
        return self.root / "kubectl-cache"

    def log(self, component: str) -> Path:
        return self.root / f"{component}.log"


@dataclass(frozen=True)
class Ports:
    """Loopback ports of one run of the control plane."""

    apiserver: int
    etcd_client: int
    etcd_peer: int
    controller_manager: int

    def to_json(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ports:
        return cls(
            **{key: int(data[key]) for key in ("apiserver", "etcd_client", "etcd_peer", "controller_manager")}
        )


@dataclass(frozen=True)
class Tokens:
    """Bearer tokens of the static token file; both users are superusers (system:masters)."""

    admin: str
    controller_manager: str

    @classmethod
    def generate(cls) -> Tokens:
        return cls(admin=secrets.token_urlsafe(32), controller_manager=secrets.token_urlsafe(32))

    def render(self) -> str:
        """The --token-auth-file format: token,user,uid,"group1,group2"."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([self.admin, ADMIN_USER, ADMIN_USER, SUPERUSER_GROUP])
        writer.writerow(
            [self.controller_manager, CONTROLLER_MANAGER_USER, CONTROLLER_MANAGER_USER, SUPERUSER_GROUP]
        )
        return out.getvalue()

    @classmethod
    def parse(cls, text: str) -> Tokens | None:
        """Tokens from a file `render` wrote; None if either user is missing."""
        by_user = {row[1]: row[0] for row in csv.reader(io.StringIO(text)) if len(row) >= 2}
        if ADMIN_USER not in by_user or CONTROLLER_MANAGER_USER not in by_user:
            return None
        return cls(admin=by_user[ADMIN_USER], controller_manager=by_user[CONTROLLER_MANAGER_USER])


def server_url(port: int) -> str:
    return f"https://127.0.0.1:{port}"


def etcd_args(binary: Path, layout: Layout, ports: Ports) -> list[str]:
    client = f"http://127.0.0.1:{ports.etcd_client}"
    peer = f"http://127.0.0.1:{ports.etcd_peer}"
    return [
        str(binary),
        "--name=smpo",
        f"--data-dir={layout.etcd_data}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=smpo={peer}",
        "--log-level=warn",
        # A throwaway local cluster: losing the last writes on a machine crash is acceptable,
        # and skipping fsync makes every API write several times faster on slow disks.
        "--unsafe-no-fsync",
    ]


def apiserver_args(binary: Path, layout: Layout, ports: Ports, certs: CertFiles) -> list[str]:
    return [
        str(binary),
        f"--etcd-servers=http://127.0.0.1:{ports.etcd_client}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={ports.apiserver}",
        f"--cert-dir={layout.pki}",
        f"--tls-cert-file={certs.serving_cert}",
        f"--tls-private-key-file={certs.serving_key}",
        f"--client-ca-file={certs.ca_cert}",
        f"--token-auth-file={layout.tokens}",
        "--authorization-mode=RBAC",
        f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
        f"--service-account-key-file={certs.service_account_public_key}",
        f"--service-account-signing-key-file={certs.service_account_key}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        # The ServiceAccount admission plugin rejects pods until the namespace's default
        # ServiceAccount exists, a race right after namespace creation; nothing here runs pods.
        "--disable-admission-plugins=ServiceAccount",
        # Endpoints may not point at loopback, so the `kubernetes` Service cannot get its usual
        # endpoint here; without this the apiserver logs a failed sync every ten seconds.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
    ]


def controller_manager_args(binary: Path, layout: Layout, ports: Ports, certs: CertFiles) -> list[str]:
    return [
        str(binary),
        f"--kubeconfig={layout.controller_manager_kubeconfig}",
        f"--controllers={','.join(CONTROLLERS)}",
        f"--service-account-private-key-file={certs.service_account_key}",
        f"--root-ca-file={certs.ca_cert}",
        # One instance only; leader election would make a restart wait out the old lease (15s).
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.controller_manager}",
        f"--cert-dir={layout.pki / 'controller-manager'}",
        "--profiling=false",
    ]


def kubeconfig(server: str, ca_pem: bytes, user: str, token: str) -> dict[str, Any]:
    """A kubeconfig with one cluster, one token user and one current context."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": CONTEXT,
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode("ascii"),
                },
            }
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": user}}],
        "current-context": CONTEXT,
        "preferences": {},
    }


def render_kubeconfig(server: str, ca_pem: bytes, user: str, token: str) -> str:
    return yaml.safe_dump(kubeconfig(server, ca_pem, user, token), sort_keys=False)

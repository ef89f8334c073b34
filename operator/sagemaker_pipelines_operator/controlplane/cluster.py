"""`up` and `down` of a local control plane living in one directory: etcd, kube-apiserver and
kube-controller-manager on loopback, with pids and ports in DIR/state.json and logs in DIR/*.log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagemaker_pipelines_operator.controlplane import manifests as manifest_files
from sagemaker_pipelines_operator.controlplane.binaries import (
    CONTROL_PLANE_BINARIES,
    ETCD,
    KUBE_APISERVER,
    KUBE_CONTROLLER_MANAGER,
    KUBECTL,
    find_binaries,
)
from sagemaker_pipelines_operator.controlplane.certs import CertFiles, ensure_certs, write_private_file
from sagemaker_pipelines_operator.controlplane.components import (
    ADMIN_USER,
    COMPONENTS,
    CONTROLLER_MANAGER_USER,
    SERVICE_IP,
    Layout,
    Ports,
    Tokens,
    apiserver_args,
    controller_manager_args,
    etcd_args,
    render_kubeconfig,
    server_url,
)
from sagemaker_pipelines_operator.controlplane.errors import (
    ControlPlaneError,
    PortInUseError,
    StartupError,
)
from sagemaker_pipelines_operator.controlplane.health import https_probe, wait_ready
from sagemaker_pipelines_operator.controlplane.processes import free_ports, is_alive, port_in_use, spawn, stop

DEFAULT_TIMEOUT = 120.0
# Ports are picked free, but another process may grab one before our component binds it.
BIND_ATTEMPTS = 3


@dataclass(frozen=True)
class ClusterInfo:
    """A running control plane: how to reach it and which processes make it up."""

    dir: Path
    server: str
    kubeconfig: Path
    ca_cert: Path
    admin_token: str
    ports: Ports
    pids: dict[str, int]
    started_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "kubeconfig": str(self.kubeconfig),
            "caCert": str(self.ca_cert),
            "ports": self.ports.to_json(),
            "pids": dict(self.pids),
            "startedAt": self.started_at.isoformat().replace("+00:00", "Z"),
        }

    @classmethod
    def from_json(cls, layout: Layout, data: dict[str, Any], admin_token: str) -> ClusterInfo:
        return cls(
            dir=layout.root,
            server=str(data["server"]),
            kubeconfig=Path(data["kubeconfig"]),
            ca_cert=Path(data["caCert"]),
            admin_token=admin_token,
            ports=Ports.from_json(data["ports"]),
            pids={str(k): int(v) for k, v in data["pids"].items()},
            started_at=dt.datetime.fromisoformat(str(data["startedAt"]).replace("Z", "+00:00")),
        )


def up(
    directory: Path | str,
    *,
    port: int | None = None,
    manifests: Sequence[Path | str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    die_with_parent: bool = False,
) -> ClusterInfo:
    """Start the control plane in `directory` (or return it if it already runs there).

    `port` fixes the apiserver's port (else a free one is picked). `manifests` (files or
    directories of YAML) are applied server-side once the apiserver is ready and before the
    controller manager starts, so its garbage collector knows their CRDs from the first sync;
    CRDs among them are waited for until Established. `die_with_parent` kills the components
    when the calling thread exits (for test sessions).
    """
    layout = Layout(Path(directory).resolve())
    layout.root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with _locked(layout):
        running = _running(layout)
        if running is not None:
            if port is not None and running.ports.apiserver != port:
                raise ControlPlaneError(
                    f"a control plane already runs in {layout.root} on port {running.ports.apiserver}; "
                    f"run `smpo controlplane down --dir {layout.root}` before asking for port {port}"
                )
            _wait_apiserver(running, layout, deadline)
            _apply(layout, running, manifests, deadline)
            return running
        _stop_recorded(layout)
        binaries = find_binaries(CONTROL_PLANE_BINARIES)
        if port is not None and port_in_use(port):
            raise PortInUseError(port, "the kube-apiserver")
        certs = ensure_certs(layout.pki, SERVICE_IP)
        tokens = _ensure_tokens(layout)
        for attempt in range(1, BIND_ATTEMPTS + 1):
            try:
                return _start(
                    layout,
                    binaries=binaries,
                    certs=certs,
                    tokens=tokens,
                    port=port,
                    manifests=manifests,
                    deadline=deadline,
                    die_with_parent=die_with_parent,
                )
            except StartupError as exc:
                if port is not None or attempt == BIND_ATTEMPTS or not _lost_port_race(exc):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


def down(directory: Path | str, *, grace: float = 15.0) -> bool:
    """Stop the control plane in `directory`; True if any process was running. A no-op when
    nothing runs there. Data (etcd, certs, tokens) stays, so a later `up` resumes it."""
    layout = Layout(Path(directory).resolve())
    if not layout.state.exists():
        return False
    with _locked(layout):
        return bool(_stop_recorded(layout, grace))


def status(directory: Path | str) -> ClusterInfo | None:
    """The running control plane in `directory`, or None if any of its processes is gone."""
    layout = Layout(Path(directory).resolve())
    return _running(layout)


def _start(
    layout: Layout,
    *,
    binaries: dict[str, Path],
    certs: CertFiles,
    tokens: Tokens,
    port: int | None,
    manifests: Sequence[Path | str],
    deadline: float,
    die_with_parent: bool,
) -> ClusterInfo:
    ports = _pick_ports(port)
    server = server_url(ports.apiserver)
    ca_pem = certs.ca_cert.read_bytes()
    write_private_file(
        layout.kubeconfig, render_kubeconfig(server, ca_pem, ADMIN_USER, tokens.admin).encode()
    )
    write_private_file(
        layout.controller_manager_kubeconfig,
        render_kubeconfig(server, ca_pem, CONTROLLER_MANAGER_USER, tokens.controller_manager).encode(),
    )
    command_lines = {
        ETCD: etcd_args(binaries[ETCD], layout, ports),
        KUBE_APISERVER: apiserver_args(binaries[KUBE_APISERVER], layout, ports, certs),
        KUBE_CONTROLLER_MANAGER: controller_manager_args(
            binaries[KUBE_CONTROLLER_MANAGER], layout, ports, certs
        ),
    }
    pids: dict[str, int] = {}
    info = ClusterInfo(
        dir=layout.root,
        server=server,
        kubeconfig=layout.kubeconfig,
        ca_cert=certs.ca_cert,
        admin_token=tokens.admin,
        ports=ports,
        pids=pids,
        started_at=dt.datetime.now(dt.UTC),
    )
    env = dict(os.environ)
    try:
        for component in (ETCD, KUBE_APISERVER):
            _mark_log(layout, component)
            pids[component] = spawn(command_lines[component], layout.log(component), env, die_with_parent)
        # Recorded before waiting, so `down` can clean up if we die half-way.
        _write_state(layout, info)
        _wait_apiserver(info, layout, deadline)
        _apply(layout, info, manifests, deadline, kubectl=binaries[KUBECTL])
        _mark_log(layout, KUBE_CONTROLLER_MANAGER)
        pids[KUBE_CONTROLLER_MANAGER] = spawn(
            command_lines[KUBE_CONTROLLER_MANAGER], layout.log(KUBE_CONTROLLER_MANAGER), env, die_with_parent
        )
        _write_state(layout, info)
        cm_url = f"https://127.0.0.1:{ports.controller_manager}/healthz"
        wait_ready(KUBE_CONTROLLER_MANAGER, https_probe(cm_url), _watched(layout, pids), deadline)
    except BaseException:
        stop(reversed(pids.values()), grace=5.0)
        layout.state.unlink(missing_ok=True)
        raise
    return info


def _pick_ports(apiserver_port: int | None) -> Ports:
    fixed = [apiserver_port] if apiserver_port is not None else []
    picked = free_ports(4 - len(fixed), exclude=fixed)
    apiserver = apiserver_port if apiserver_port is not None else picked.pop()
    return Ports(
        apiserver=apiserver, etcd_client=picked[0], etcd_peer=picked[1], controller_manager=picked[2]
    )


def _lost_port_race(exc: StartupError) -> bool:
    if exc.log is None:
        return False
    try:
        text = exc.log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    last_run = text.rpartition(_LOG_MARK)[2]
    return "address already in use" in last_run


_LOG_MARK = "==== smpo controlplane: starting "


def _mark_log(layout: Layout, component: str) -> None:
    """Separate runs in the appended log, so a failure is judged by the current run's lines."""
    now = dt.datetime.now(dt.UTC).isoformat()
    with layout.log(component).open("a", encoding="utf-8") as log:
        log.write(f"{_LOG_MARK}{component} at {now} ====\n")


def _watched(layout: Layout, pids: dict[str, int]) -> dict[str, tuple[int, Path]]:
    return {component: (pid, layout.log(component)) for component, pid in pids.items()}


def _wait_apiserver(info: ClusterInfo, layout: Layout, deadline: float) -> None:
    # /readyz fails until etcd answers and the bootstrap RBAC roles exist.
    probe = https_probe(f"{info.server}/readyz", ca_cert=info.ca_cert, token=info.admin_token)
    wait_ready(KUBE_APISERVER, probe, _watched(layout, info.pids), deadline)


def _apply(
    layout: Layout,
    info: ClusterInfo,
    manifests: Sequence[Path | str],
    deadline: float,
    kubectl: Path | None = None,
) -> None:
    if not manifests:
        return
    kubectl = kubectl or find_binaries([KUBECTL])[KUBECTL]
    manifest_files.apply(kubectl, info.kubeconfig, layout.kubectl_cache, manifests, deadline)


def _ensure_tokens(layout: Layout) -> Tokens:
    # Reused across restarts so kubeconfigs handed out earlier keep working.
    if layout.tokens.exists():
        tokens = Tokens.parse(layout.tokens.read_text(encoding="utf-8"))
        if tokens is not None:
            return tokens
    tokens = Tokens.generate()
    write_private_file(layout.tokens, tokens.render().encode())
    return tokens


def _read_state(layout: Layout) -> dict[str, Any] | None:
    try:
        data = json.loads(layout.state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_state(layout: Layout, info: ClusterInfo) -> None:
    tmp = layout.state.with_suffix(".tmp")
    tmp.write_text(json.dumps(info.to_json(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(layout.state)


def _running(layout: Layout) -> ClusterInfo | None:
    data = _read_state(layout)
    if data is None or not layout.tokens.exists():
        return None
    tokens = Tokens.parse(layout.tokens.read_text(encoding="utf-8"))
    try:
        info = ClusterInfo.from_json(layout, data, tokens.admin if tokens else "")
    except (KeyError, TypeError, ValueError):
        return None
    marker = str(layout.root)
    if set(info.pids) != set(COMPONENTS) or tokens is None:
        return None
    if all(is_alive(pid, marker) for pid in info.pids.values()):
        return info
    return None


def _stop_recorded(layout: Layout, grace: float = 15.0) -> list[int]:
    """Stop whatever the state file records (all of it, or the survivors of a partial start)."""
    data = _read_state(layout) or {}
    raw = data.get("pids", {})
    pids = {str(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    marker = str(layout.root)
    # The apiserver and controller manager go first, together; etcd last, so the apiserver
    # can shut down cleanly against a live store.
    stopped = stop(_pids_of(pids, (KUBE_CONTROLLER_MANAGER, KUBE_APISERVER)), grace, marker)
    stopped += stop(_pids_of(pids, (ETCD,)), grace, marker)
    layout.state.unlink(missing_ok=True)
    return stopped


def _pids_of(pids: dict[str, int], components: Iterable[str]) -> list[int]:
    return [pids[name] for name in components if name in pids]


@contextlib.contextmanager
def _locked(layout: Layout) -> Iterator[None]:
    """Serialise `up` and `down` on one directory across processes."""
    with layout.lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Starting and stopping the local stack: control plane, emulator and operator as child processes.

Everything started here is stopped by `LocalStack.close()`, which `smpo dev` calls on exit,
Ctrl-C included; child processes also die with their parent (PR_SET_PDEATHSIG via setpriv).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sagemaker_pipelines_operator.controlplane import ControlPlaneError, down, up


class StackError(RuntimeError):
    """A component of the local stack could not start; the message says which and why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def check_port(port: int, what: str) -> None:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise StackError(
                f"port {port} for the {what} is taken; pick another with --{what}-port"
            ) from None


@dataclass
class LocalStack:
    """Processes and directories of one `smpo dev` session."""

    directory: Path
    kubeconfig: Path | None = None
    emulator_url: str = ""
    moto_url: str = ""
    """moto's S3 and SQS for the data-event demo ('' when moto is not installed)."""
    metrics_url: str = ""
    owns_control_plane: bool = False
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_control_plane(self, crds: Path) -> None:
        # A clean state each time: the demo must show the examples from their first reconcile.
        down(self.directory / "controlplane")
        shutil.rmtree(self.directory / "controlplane", ignore_errors=True)
        try:
            info = up(self.directory / "controlplane", manifests=[crds], die_with_parent=True)
        except ControlPlaneError as exc:
            raise StackError(f"local control plane: {exc}") from exc
        self.owns_control_plane = True
        self.kubeconfig = info.kubeconfig

    def start_emulator(self, step_seconds: float, outcomes: Path | None = None) -> None:
        """The emulator; `outcomes` is a rules file deciding what the examples' steps do."""
        port = free_port()
        self.emulator_url = f"http://127.0.0.1:{port}"
        argv = ["emulator", "--host", "127.0.0.1", "--port", str(port), "--step-seconds", str(step_seconds)]
        if outcomes is not None:
            argv += ["--outcomes", str(outcomes)]
        self._spawn("emulator", argv, env={})
        self._wait_http(f"{self.emulator_url}/_emulator/counters", "emulator")

    def start_moto(self) -> bool:
        """moto's server (S3 and SQS) for the data-event loop; False when moto is not installed."""
        if importlib.util.find_spec("moto") is None:
            return False
        port = free_port()
        self.moto_url = f"http://127.0.0.1:{port}"
        self._spawn("moto", ["-H", "127.0.0.1", "-p", str(port)], env={}, module="moto.server")
        self._wait_http(f"{self.moto_url}/moto-api/data.json", "moto")
        return True

    def start_operator(self, namespace: str, metrics_port: int, health_port: int) -> None:
        if self.kubeconfig is None:
            raise StackError("no kubeconfig: start the control plane first or pass --kubeconfig")
        # 0 picks a free port, so several stacks (or a test beside a demo) can run at once.
        metrics_port = metrics_port or free_port()
        health_port = health_port or free_port()
        check_port(metrics_port, "metrics")
        check_port(health_port, "health")
        self.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        env = {
            "AWS_ENDPOINT_URL_SAGEMAKER": self.emulator_url,
            "AWS_ACCESS_KEY_ID": "demo",
            "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            **(
                {"AWS_ENDPOINT_URL_SQS": self.moto_url, "AWS_ENDPOINT_URL_S3": self.moto_url}
                if self.moto_url
                else {}
            ),
        }
        args = [
            "run",
            "--kubeconfig",
            str(self.kubeconfig),
            "--namespace",
            namespace,
            "--standalone",
            "--bind-address",
            "127.0.0.1",
            "--metrics-port",
            str(metrics_port),
            "--health-port",
            str(health_port),
            "--poll-min-seconds",
            "1",
            "--poll-max-seconds",
            "3",
            "--region",
            "us-east-1",
        ]
        self._spawn("operator", args, env=env)
        self._wait_http(f"http://127.0.0.1:{health_port}/readyz", "operator", timeout=60)

    def _spawn(
        self, name: str, args: list[str], env: dict[str, str], module: str = "sagemaker_pipelines_operator"
    ) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", module, *args]
        if shutil.which("setpriv"):
            command = ["setpriv", "--pdeathsig", "TERM", "--", *command]
        # The child writes to its own copy of the descriptor; ours is closed once it has started.
        with (self.directory / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env},
                start_new_session=True,
            )
        self.processes.append(process)

    def _wait_http(self, url: str, what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise StackError(f"the {what} exited during start-up; see {self.directory}/{what}.log")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise StackError(
            f"the {what} did not answer {url} within {timeout:.0f}s; see {self.directory}/{what}.log"
        )

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self.owns_control_plane:
            down(self.directory / "controlplane")
            self.owns_control_plane = False

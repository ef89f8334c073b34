"""Plain `smpo run` (no flags, kubeconfig and AWS settings from the environment only) as a user runs
it, in its own process, against API servers of its own: it names each missing piece and exits at
once, and once `kubectl apply -f crds/` (or the kustomize base, or the chart) is in, it reconciles
a Pipeline and a PipelineRun end to end with peering on, its default.

The default ports 8080 and 8081 are used, as a user gets them, so /readyz is read there too.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config

from sagemaker_pipelines_operator.controlplane import ClusterInfo, down, up
from sagemaker_pipelines_operator.controlplane.manifests import crd_names, manifest_files
from tests.fixtures.chart import kubectl, wait_for_crds
from tests.fixtures.kube import REPO_ROOT, refusals, service_account_token
from tests.fixtures.operator import AWS_TEST_ENV
from tests.fixtures.runs import Kube, definition, pipeline_manifest, run_manifest, wait_for

SMPO = REPO_ROOT / ".venv" / "bin" / "smpo"
CRDS = REPO_ROOT / "crds"
PEERING = "sagemaker-pipelines-operator"
INSTALL_NAMESPACE = "sagemaker-pipelines-operator"
EXIT_WITHIN = 30.0
"""A missing piece must end the process this fast: 'at once', with slack for a loaded machine."""


@pytest.fixture
def fresh_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], ClusterInfo]]:
    """Factory of API servers with nothing applied, stopped at the end of the test."""
    started: list[Path] = []

    def make() -> ClusterInfo:
        directory = tmp_path_factory.mktemp("fresh-controlplane")
        started.append(directory)
        return up(directory, die_with_parent=True)

    yield make
    for directory in started:
        down(directory)


class PlainSmpoRun:
    """`smpo run` with no arguments: the kubeconfig from KUBECONFIG, AWS from the standard variables."""

    def __init__(self, kubeconfig: Path, emulator_url: str, log: Path) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SMPO_")},
            **AWS_TEST_ENV,
            "KUBECONFIG": str(kubeconfig),
            "AWS_ENDPOINT_URL_SAGEMAKER": emulator_url,
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(SMPO), "run"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self.process

    def exit_code(self, within: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=within)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def plain_run(tmp_path: Path, emulator: Any) -> Iterator[Callable[[Path], PlainSmpoRun]]:
    runs: list[PlainSmpoRun] = []

    def make(kubeconfig: Path) -> PlainSmpoRun:
        runs.append(PlainSmpoRun(kubeconfig, emulator.url, tmp_path / f"smpo-run-{len(runs)}.log"))
        return runs[-1]

    yield make
    for run in runs:
        run.stop()


def admin_api(info: ClusterInfo) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(info.kubeconfig))


def assert_exits_naming(run: PlainSmpoRun, *needles: str) -> None:
    started = time.monotonic()
    run.start()
    try:
        code = run.exit_code(EXIT_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"smpo run still running after {EXIT_WITHIN}s instead of exiting:\n{run.output()}")
    out = run.output()
    print(f"smpo run exited {code} after {time.monotonic() - started:.1f}s: {out.strip()}")
    assert code == 2, out
    for needle in needles:
        assert needle in out, f"{needle!r} not in:\n{out}"
    assert "Traceback" not in out, out


def reconciles_end_to_end(api: client.ApiClient, namespace: str, run: PlainSmpoRun) -> None:
    """A Pipeline becomes Ready and a PipelineRun Succeeds, reconciled by `run`, which stays up."""
    client.CoreV1Api(api).create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    kube = Kube(api, namespace)
    kube.create(pipeline_manifest("out-of-the-box", definition()))
    wait_for(
        lambda: (
            kube.condition("Pipeline", "out-of-the-box", "Ready").get("status") == "True"
            or run.process is None
            or run.process.poll() is not None
        ),
        timeout=60,
        what="the Pipeline Ready",
    )
    assert run.process is not None and run.process.poll() is None, run.output()
    assert kube.condition("Pipeline", "out-of-the-box", "Ready")["status"] == "True", run.output()
    kube.create(run_manifest("first-run", "out-of-the-box"))
    status = kube.wait_phase("first-run", "Succeeded", "Failed", "Stopped", timeout=90)
    assert status["phase"] == "Succeeded", status
    with urllib.request.urlopen("http://127.0.0.1:8081/readyz", timeout=5) as ready:
        assert ready.status == 200


def peering_object(api: client.ApiClient) -> dict[str, Any]:
    obj: dict[str, Any] = client.CustomObjectsApi(api).get_cluster_custom_object(
        "kopf.dev", "v1", "clusterkopfpeerings", PEERING
    )
    return obj


def test_plain_smpo_run_names_each_missing_piece_then_reconciles_with_crds_applied(
    fresh_cluster: Callable[[], ClusterInfo], plain_run: Callable[[Path], PlainSmpoRun]
) -> None:
    info = fresh_cluster()
    api = admin_api(info)

    assert_exits_naming(plain_run(info.kubeconfig), "PipelineRun", "kubectl apply --server-side -f crds/")

    ours = sorted(str(p) for p in CRDS.glob("sagemaker.pipelines.dev_*.yaml"))
    kubectl(info.kubeconfig, "apply", "--server-side", *(a for p in ours for a in ("-f", p)))
    wait_for_crds(info.kubeconfig, crd_names(Path(p) for p in ours))
    assert_exits_naming(plain_run(info.kubeconfig), "ClusterKopfPeering", "crds/", "--standalone")

    kubectl(info.kubeconfig, "apply", "--server-side", "-f", str(CRDS))
    wait_for_crds(info.kubeconfig, crd_names(manifest_files([CRDS])))
    run = plain_run(info.kubeconfig)
    run.start()
    reconciles_end_to_end(api, "ml", run)
    peering = peering_object(api)
    assert peering["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "smpo"}, peering
    assert peering.get("status"), "the operator did not announce itself in the peering object it created"
    api.close()


@pytest.mark.parametrize("install", ["kustomize", "chart"])
def test_plain_smpo_run_as_the_install_manifests_service_account_reconciles(
    install: str,
    fresh_cluster: Callable[[], ClusterInfo],
    plain_run: Callable[[Path], PlainSmpoRun],
    helm: str,
    tmp_path: Path,
) -> None:
    """One `kubectl apply -k manifests/install` (or `helm install`) on a fresh cluster, then `smpo run`
    with the install's ServiceAccount token: the chart's peering object is used as it is; the
    kustomize base ships none (its CRD would not exist yet within the same apply), so the operator
    creates it, which the install's role allows."""
    info = fresh_cluster()
    api = admin_api(info)
    if install == "kustomize":
        kubectl(info.kubeconfig, "apply", "--server-side", "-k", str(REPO_ROOT / "manifests" / "install"))
        shipped = None
    else:
        chart = str(REPO_ROOT / "helm" / "sagemaker-pipelines-operator")
        where = ["--kubeconfig", str(info.kubeconfig), "--namespace", INSTALL_NAMESPACE, "--create-namespace"]
        subprocess.run([helm, "install", PEERING, chart, *where], check=True, capture_output=True)
        shipped = peering_object(api)["metadata"]["uid"]
    # The Deployment cannot run here (no kubelet); its ServiceAccount's token runs `smpo run` instead.
    token = service_account_token(api, INSTALL_NAMESPACE, PEERING)
    sa_kubeconfig = tmp_path / "sa.kubeconfig"
    sa_kubeconfig.write_text(
        kubectl(info.kubeconfig, "config", "view", "--raw", "--minify", "--flatten").stdout, encoding="utf-8"
    )
    kubectl(sa_kubeconfig, "config", "set-credentials", "sa", f"--token={token}")
    kubectl(sa_kubeconfig, "config", "set-context", "--current", "--user=sa")

    run = plain_run(sa_kubeconfig)
    run.start()
    reconciles_end_to_end(api, "ml", run)
    peering = peering_object(api)
    if shipped is not None:
        assert peering["metadata"]["uid"] == shipped, "the chart's peering object was replaced"
    assert peering.get("status"), "the operator did not announce itself in the peering object"
    assert not refusals(run.output()), run.output()
    api.close()

"""The operator image as a cluster runs it: built by hack/image/build.sh (the `make image` path),
started read-only, as uid 65532, without capabilities, with the environment, arguments and
ServiceAccount token of the Deployment the chart installs, against the local control plane and
the emulator over host networking. A Pipeline becomes Ready, a PipelineRun Succeeds, and the
probes and /metrics answer from inside the container."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from kubernetes import client

from sagemaker_pipelines_operator import __version__
from sagemaker_pipelines_operator.controlplane import ClusterInfo
from tests.fixtures.chart import fullname
from tests.fixtures.image import (
    IMAGE_DIR,
    BuiltImage,
    Container,
    engine,
    engine_name,
    pod_run_args,
    write_token_dir,
)
from tests.fixtures.kube import REPO_ROOT, refusals, service_account_token
from tests.fixtures.operator import AWS_TEST_ENV
from tests.fixtures.prometheus import free_port
from tests.fixtures.runs import Kube, run_manifest, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]

# GET a URL from inside the container with the image's own Python: [status, body], status 0 when
# nothing answers (yet).
HTTP_GET = """
import json, sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
        print(json.dumps([response.status, response.read().decode()]))
except urllib.error.HTTPError as exc:
    print(json.dumps([exc.code, exc.read().decode()]))
except OSError as exc:
    print(json.dumps([0, repr(exc)]))
"""

# Who the operator runs as, and where it can write: errno 30 is EROFS (read-only file system).
WRITES = """
import os
print(os.getuid())
for where in ("/opt/smpo", "/tmp"):
    try:
        open(os.path.join(where, "probe"), "w").close()
        print(f"{where}:ok")
    except OSError as exc:
        print(f"{where}:{exc.errno}")
"""


def slim_module() -> Any:
    spec = importlib.util.spec_from_file_location("slim", IMAGE_DIR / "slim.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def get_inside(container: Container, url: str) -> tuple[int, str]:
    result = container.exec_python(HTTP_GET, url)
    assert result.returncode == 0, f"GET {url} inside the container failed:\n{result.stderr}"
    status, body = json.loads(result.stdout)
    return int(status), str(body)


def probe_urls(deployment: dict[str, Any]) -> dict[str, str]:
    """The liveness and readiness probes' URLs, their named ports resolved as the kubelet does."""
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    urls = {}
    for probe in ("livenessProbe", "readinessProbe"):
        http = container[probe]["httpGet"]
        port = ports.get(http["port"], http["port"])
        urls[probe] = f"http://127.0.0.1:{port}{http['path']}"
    urls["metrics"] = f"http://127.0.0.1:{ports['http-metrics']}/metrics"
    return urls


@pytest.fixture
def chart_deployment(
    install_chart: Callable[..., str],
    kube_api: client.ApiClient,
    namespace: str,
    emulator: Any,
    tmp_path: Path,
) -> dict[str, Any]:
    """The Deployment of a chart release watching the test's namespace, pointed at the emulator,
    on free host ports (the container shares the host's network)."""
    values = {
        "operator": {
            "namespaces": [namespace],
            "region": "us-east-1",
            "sagemakerEndpointUrl": emulator.url,
            "metricsPort": free_port(),
            "healthPort": free_port(),
            "pollMinSeconds": 0.5,
            "pollMaxSeconds": 2,
            "extraEnv": [{"name": k, "value": v} for k, v in AWS_TEST_ENV.items()],
        }
    }
    values_file = tmp_path / "values.yaml"
    values_file.write_text(yaml.safe_dump(values), encoding="utf-8")
    name = fullname(install_chart("--values", str(values_file)))
    deployment = client.AppsV1Api(kube_api).read_namespaced_deployment(name, namespace)
    body: dict[str, Any] = kube_api.sanitize_for_serialization(deployment)
    return body


@dataclass
class ChartPod:
    """How to start the chart's operator container: image, `run` options, args, probe URLs."""

    image: str
    options: list[str]
    args: list[str]
    urls: dict[str, str]


@pytest.fixture
def chart_pod(
    chart_deployment: dict[str, Any],
    control_plane: ClusterInfo,
    kube_api: client.ApiClient,
    namespace: str,
    tmp_path: Path,
) -> ChartPod:
    """The chart's pod as container options, with a TokenRequest token of its ServiceAccount."""
    pod = chart_deployment["spec"]["template"]["spec"]
    token = service_account_token(kube_api, namespace, pod["serviceAccountName"])
    tokens = write_token_dir(tmp_path / "serviceaccount", token, control_plane.ca_cert, namespace)
    api = urlsplit(control_plane.server)
    assert api.hostname and api.port
    image, options, args = pod_run_args(
        chart_deployment,
        token_dir=tokens,
        api_host=api.hostname,
        api_port=api.port,
        pod_name=f"{chart_deployment['metadata']['name']}-0",
        engine=engine_name(),
    )
    return ChartPod(image, options, args, probe_urls(chart_deployment))


def test_image_runs_a_pipeline_as_the_chart_deploys_it(
    operator_image: BuiltImage,
    chart_pod: ChartPod,
    run_container: Callable[..., Container],
    kube_api: client.ApiClient,
    namespace: str,
) -> None:
    image, options, args, urls = chart_pod.image, chart_pod.options, chart_pod.args, chart_pod.urls
    assert image == operator_image.ref, "the chart's default image is not the one `make image` builds"
    assert {"--read-only", "--cap-drop=ALL"} <= set(options) and "65532:65532" in options
    container = run_container(f"smpo-{namespace}", operator_image.id, options, args)

    wait_for(
        lambda: get_inside(container, urls["readinessProbe"])[0] == 200 or not container.running(),
        timeout=90,
        what="the container's /readyz",
    )
    assert container.running(), "the operator container exited"
    kube = Kube(kube_api, namespace)
    kube.ready_pipeline("image-check")
    kube.create(run_manifest("image-run", "image-check"))
    status = kube.wait_phase("image-run", "Succeeded", "Failed", "Stopped", timeout=90)
    assert status["phase"] == "Succeeded", status
    assert kube.condition("PipelineRun", "image-run", "Succeeded")["status"] == "True"

    liveness, readiness = (
        get_inside(container, urls["livenessProbe"]),
        get_inside(container, urls["readinessProbe"]),
    )
    assert liveness[0] == 200 and json.loads(liveness[1])["status"] == "ok", liveness
    assert readiness[0] == 200 and json.loads(readiness[1]) == {"status": "ok", "reason": "ready"}, readiness
    metrics_status, metrics = get_inside(container, urls["metrics"])
    assert metrics_status == 200
    assert f'smpo_build_info{{version="{__version__}"}} 1.0' in metrics
    completed = (
        f'smpo_pipeline_run_completions_total{{namespace="{namespace}",phase="Succeeded",'
        f'pipeline="image-check"}} 1.0'
    )
    assert completed in metrics, [line for line in metrics.splitlines() if "completions_total{" in line]
    assert container.running()
    assert container.exec_python(WRITES).stdout.split() == ["65532", "/opt/smpo:30", "/tmp:ok"]

    # Deletion through the finalizers, while the operator runs (the namespace can then go too).
    kube.delete("PipelineRun", "image-run")
    kube.delete("Pipeline", "image-check")
    wait_for(
        lambda: kube.get("PipelineRun", "image-run") is None and kube.get("Pipeline", "image-check") is None,
        what="the run's and the pipeline's finalizers",
    )
    denied = refusals(container.logs())
    assert not denied, denied


def package_digest(root: Path) -> str:
    """sha256 over the package's .py files (relative path and content), in path order."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


PACKAGE_DIGEST = (
    "import hashlib, pathlib, sagemaker_pipelines_operator as p\n"
    "root = pathlib.Path(p.__file__).parent\n"
    "d = hashlib.sha256()\n"
    "for f in sorted(root.rglob('*.py')):\n"
    "    d.update(f.relative_to(root).as_posix().encode() + b'\\0' + f.read_bytes())\n"
    "print(d.hexdigest())"
)


def test_image_ships_smpo_for_a_non_root_user_with_only_the_aws_services_it_calls(
    operator_image: BuiltImage,
) -> None:
    image = operator_image.id
    services = sorted(slim_module().BOTOCORE_SERVICES)
    check = (
        "import os, botocore.session, sagemaker_pipelines_operator as smpo\n"
        "s = botocore.session.get_session()\n"
        "for name in s.get_available_services():\n"
        "    s.create_client(name, 'us-east-1', aws_access_key_id='x', aws_secret_access_key='x')\n"
        "print(os.getuid(), os.getgid(), smpo.__version__, sorted(s.get_available_services()))"
    )
    base = ["run", "--rm", "--read-only", "--cap-drop=ALL", "--network", "none"]
    inside = engine(*base, "--entrypoint", "python", image, "-c", check).stdout.strip().split(maxsplit=3)
    assert inside == ["65532", "65532", __version__, repr(services)]
    version = engine(*base, "--entrypoint", "smpo", image, "--version").stdout.strip()
    assert version == f"smpo {__version__}"
    crds = engine(*base, "--entrypoint", "smpo", image, "crds").stdout
    assert "name: pipelineruns.sagemaker.pipelines.dev" in crds
    help_text = engine(*base, image, "--help").stdout
    assert "--namespace" in help_text and "SMPO_REGION" in help_text
    # The image holds this tree's code, not a layer cached from a build of other sources.
    inside_digest = engine(*base, "--entrypoint", "python", image, "-c", PACKAGE_DIGEST).stdout.strip()
    assert inside_digest == package_digest(REPO_ROOT / "operator" / "sagemaker_pipelines_operator")
    # The emulator is a development tool: absent from the image, its commands say so.
    absent = "import importlib.util as u; print(u.find_spec('sagemaker_pipelines_emulator'))"
    assert engine(*base, "--entrypoint", "python", image, "-c", absent).stdout.strip() == "None"
    for command in (["emulator"], ["dev"], ["test", "/tmp"]):
        refused = engine(*base, "--entrypoint", "smpo", image, *command, check=False)
        assert refused.returncode == 2 and "emulator package" in refused.stderr, refused

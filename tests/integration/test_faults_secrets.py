"""Secrets stay out of the logs: `smpo run` as its own process at DEBUG, acting through a role
assumed from moto's STS (so session credentials are in play) while SageMaker throttles and fails
calls; its whole log output is scanned for access keys, secret keys, session tokens, bearer
tokens and JWTs, both by pattern and for the very values it held."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.fixtures.operator_process import OperatorProcess
from tests.fixtures.runs import Kube, definition, pipeline_manifest, run_manifest, wait_for
from tests.integration.test_pipeline_tenancy import TEAM_ROLE, annotate

BASE_ACCESS_KEY = "AKIAFAULTSUITE7EXAMPLE"[:20]
BASE_SECRET_KEY = "fAuLtSuItE/sEcReT+kEy/0123456789abcdefXY"  # 40 characters, as AWS's are
PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "secret key assignment": re.compile(r"(?i)secret_?access_?key['\"]?\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{16,}"),
    "session token header": re.compile(r"(?i)x-amz-security-token"),
    "SigV4 Authorization header": re.compile(r"AWS4-HMAC-SHA256 Credential="),
    "bearer token": re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+"),
    "long base64 blob": re.compile(r"[A-Za-z0-9+/]{120,}={0,2}"),
}


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def findings(text: str, secrets: dict[str, str]) -> list[str]:
    found = [f"{what}: {m.group(0)[:12]}..." for what, rx in PATTERNS.items() for m in rx.finditer(text)]
    found += [f"the {what} itself" for what, value in secrets.items() if value and value in text]
    return found


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("sent Authorization: Bearer abcdefghijklmnop", "bearer token"),
        ("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "JWT"),
        ("key ASIAQWERTYUIOPASDFGH in use", "AWS access key id"),
        ("aws_secret_access_key = abcdefghijklmnopqrstuvwxyz", "secret key assignment"),
        ("header X-Amz-Security-Token: x", "session token header"),
    ],
    ids=["bearer", "jwt", "access-key", "secret-key", "session-token"],
)
def test_the_scan_finds_what_it_looks_for(line: str, what: str) -> None:
    assert any(f.startswith(what) for f in findings(line, {})), findings(line, {})


def test_operator_logs_hold_no_credentials_under_faults(
    *,
    moto: str,
    kube: Kube,
    kube_api: client.ApiClient,
    kubeconfig_path: Path,
    emulator: Any,
    tmp_path: Path,
) -> None:
    annotate(kube_api, kube.namespace, TEAM_ROLE)
    emulator.configure(
        fault_seed=8,
        faults=[
            {"operation": "*", "kind": "throttle", "count": None, "probability": 0.3},
            {"operation": "*", "kind": "http500", "count": None, "probability": 0.1},
        ],
    )
    launcher = OperatorProcess(kubeconfig_path, kube.namespace, emulator.url, tmp_path)
    launcher.command[launcher.command.index("INFO")] = "DEBUG"
    launcher.command += ["--require-namespace-role"]
    launcher.env |= {
        "AWS_ACCESS_KEY_ID": BASE_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": BASE_SECRET_KEY,
        "AWS_ENDPOINT_URL_STS": moto,
    }
    process = launcher.spawn()
    try:
        kube.create(pipeline_manifest("train", definition()))
        kube.create(run_manifest("nightly"))
        broken = definition()
        broken["Steps"][0]["DependsOn"] = ["Nowhere"]
        kube.create(pipeline_manifest("broken", broken))
        kube.wait_phase("nightly", "Succeeded", timeout=120)
        wait_for(lambda: kube.condition("Pipeline", "broken", "Stalled").get("status") == "True")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        for kind, name in (("PipelineRun", "nightly"), ("Pipeline", "train"), ("Pipeline", "broken")):
            kube.patch(kind, name, {"metadata": {"finalizers": []}})
    log = (tmp_path / "operator-01.log").read_text()
    keys = {call["access_key_id"] for call in emulator.calls()}
    assumed = keys - {BASE_ACCESS_KEY}
    kube_token = yaml.safe_load(kubeconfig_path.read_text())["users"][0]["user"].get("token", "")
    secrets = {"base secret key": BASE_SECRET_KEY, "kube token": kube_token}
    secrets |= {f"access key {key}": key for key in keys if key}
    throttled = sum(
        op["errors"].get("ThrottlingException", 0) for op in emulator.counters()["operations"].values()
    )
    print(
        f"\nsecrets: scanned {len(log.splitlines())} log lines ({len(log)} bytes) of `smpo run` at "
        f"DEBUG; {len(assumed)} assumed-role key(s), {throttled} throttles injected; "
        f"findings: {findings(log, secrets)}"
    )
    assert assumed, "the operator should have acted through the namespace's assumed role"
    assert "train" in log and len(log.splitlines()) > 20  # the scan read a real log
    assert findings(log, secrets) == []

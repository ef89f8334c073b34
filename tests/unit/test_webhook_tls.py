"""The webhook's TLS files: what keeps a pair from being served, said with the flag and the path,
and `smpo run` refusing to start on them (exit 2) before it connects anywhere."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.cli.main import main
from sagemaker_pipelines_operator.controlplane.certs import CertFiles, ensure_certs
from sagemaker_pipelines_operator.triggers.webhook_tls import tls_problems


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return ensure_certs(tmp_path_factory.mktemp("pki"), "127.0.0.1")


Layout = Callable[[CertFiles, Path], tuple[str, str]]


def _write(directory: Path, name: str, data: bytes) -> str:
    path = directory / name
    path.write_bytes(data)
    return str(path)


CASES: dict[str, tuple[Layout, str | None]] = {
    "pair": (lambda p, d: (str(p.serving_cert), str(p.serving_key)), None),
    "not-configured": (lambda p, d: ("", ""), None),
    "missing-cert": (
        lambda p, d: (str(d / "nope.crt"), str(p.serving_key)),
        "--webhook-tls-cert-file {d}/nope.crt: no such file",
    ),
    "missing-key": (
        lambda p, d: (str(p.serving_cert), str(d / "nope.key")),
        "--webhook-tls-key-file {d}/nope.key: no such file",
    ),
    "cert-is-a-directory": (
        lambda p, d: (str(d), str(p.serving_key)),
        "--webhook-tls-cert-file {d}: cannot read it",
    ),
    "garbage-cert": (
        lambda p, d: (_write(d, "tls.crt", b"hello"), str(p.serving_key)),
        "--webhook-tls-cert-file {d}/tls.crt: no PEM certificate in it",
    ),
    "key-given-as-cert": (
        lambda p, d: (str(p.serving_key), str(p.serving_key)),
        "no PEM certificate in it",
    ),
    "cert-given-as-key": (
        lambda p, d: (str(p.serving_cert), str(p.serving_cert)),
        "no PEM private key in it",
    ),
    "key-of-another-certificate": (
        lambda p, d: (str(p.serving_cert), str(p.ca_key)),
        "do not load as a pair: the private key is not the certificate's",
    ),
}


@pytest.mark.parametrize(("layout", "complaint"), list(CASES.values()), ids=list(CASES))
def test_tls_files_that_cannot_be_served_are_named(
    pki: CertFiles, tmp_path: Path, layout: Layout, complaint: str | None
) -> None:
    cert, key = layout(pki, tmp_path)
    found = tls_problems(cert, key)
    if complaint is None:
        assert found == []
    else:
        assert len(found) == 1 and complaint.format(d=tmp_path) in found[0], found


def test_smpo_run_refuses_tls_files_it_cannot_serve(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cert = tmp_path / "tls.crt"
    argv = ["--webhook-port", "9443", "--webhook-tls-cert-file", str(cert), "--webhook-tls-key-file", "k"]
    code = main(["run", "--kubeconfig", "/nonexistent", *argv])
    assert code == 2
    assert f"smpo run: --webhook-tls-cert-file {cert}: no such file" in capsys.readouterr().err


def test_smpo_run_process_exits_2_on_a_bad_key_without_a_traceback(pki: CertFiles) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sagemaker_pipelines_operator",
            "run",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "--webhook-port=9443",
            f"--webhook-tls-cert-file={pki.serving_cert}",
            f"--webhook-tls-key-file={pki.ca_key}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "do not load as a pair" in result.stderr
    assert "Traceback" not in result.stderr

"""The Alertmanager webhook over TLS: the operator (in-process, real kube-apiserver) serves the
configured certificate, refuses plain HTTP on that port, and serves a renewed certificate once the
mounted Secret's files change, without a restart. Certificates come from the control plane's
`controlplane.certs` (a CA and a serving certificate for 127.0.0.1)."""

from __future__ import annotations

import http.client
import json
import os
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from sagemaker_pipelines_operator.controlplane.certs import CertFiles, ensure_certs
from tests.fixtures.runs import Kube, wait_for
from tests.integration.test_trigger_alertmanager import (
    TOKEN,
    free_port,
    notification,
    token_secret,
    trigger_manifest,
)
from tests.integration.test_trigger_sqs import runs_of


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def mount_like_a_secret(volume: Path, pki: CertFiles, generation: int) -> None:
    """Lay the pair out as the kubelet does for a Secret volume: `tls.crt` -> `..data/tls.crt`,
    and `..data` a link swapped atomically to a new directory on each update."""
    payload = volume / f"..{generation}"
    payload.mkdir(parents=True)
    (payload / "tls.crt").write_bytes(pki.serving_cert.read_bytes())
    (payload / "tls.key").write_bytes(pki.serving_key.read_bytes())
    link = volume / "..data_tmp"
    link.symlink_to(payload.name)
    os.replace(link, volume / "..data")
    for name in ("tls.crt", "tls.key"):
        if not (volume / name).is_symlink():
            (volume / name).symlink_to(f"..data/{name}")


def post_https(port: int, path: str, body: bytes, ca: Path) -> int:
    request = urllib.request.Request(
        f"https://127.0.0.1:{port}/triggers/{path}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    context = ssl.create_default_context(cafile=str(ca))
    try:
        with urllib.request.urlopen(request, timeout=40, context=context) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def served_by(port: int, ca: Path) -> bool:
    """Whether the certificate served now verifies against `ca`."""
    try:
        post_https(port, "nobody/here", b"{}", ca)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLCertVerificationError):
            return False
        raise
    return True


@pytest.fixture
def tls_webhook(start_operator: Any, tmp_path: Path) -> tuple[int, Path, Path]:
    """An operator serving the webhook over HTTPS: (port, the CA that signed it, the volume)."""
    pki = ensure_certs(tmp_path / "pki", "127.0.0.1")
    volume = tmp_path / "webhook-tls"
    mount_like_a_secret(volume, pki, 1)
    port = free_port()
    start_operator(
        webhook_port=port,
        bind_address="127.0.0.1",
        webhook_tls_cert_file=str(volume / "tls.crt"),
        webhook_tls_key_file=str(volume / "tls.key"),
    )
    return port, pki.ca_cert, volume


def test_webhook_serves_https_with_the_configured_certificate_and_refuses_plain_http(
    kube: Kube, tls_webhook: tuple[int, Path, Path]
) -> None:
    port, ca, _ = tls_webhook
    kube.ready_pipeline()
    token_secret(kube)
    kube.create(trigger_manifest())
    wait_for(lambda: kube.condition("PipelineTrigger", "on-alert", "Ready").get("reason") == "Listening")

    with pytest.raises((http.client.HTTPException, ConnectionError)):
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        plain.request("POST", f"/triggers/{kube.namespace}/on-alert", body=b"{}")
        plain.getresponse().read()

    firing = json.dumps(notification("firing")).encode()
    assert post_https(port, f"{kube.namespace}/on-alert", firing, ca) == 200
    (run,) = runs_of(kube, "on-alert")
    kube.wait_phase(run["metadata"]["name"], "Succeeded")


def test_renewed_certificate_is_served_without_a_restart(
    kube: Kube, tls_webhook: tuple[int, Path, Path], tmp_path: Path
) -> None:
    port, first_ca, volume = tls_webhook
    assert served_by(port, first_ca)
    renewed = ensure_certs(tmp_path / "pki-renewed", "127.0.0.1")  # another CA, another key
    assert not served_by(port, renewed.ca_cert)

    mount_like_a_secret(volume, renewed, 2)
    assert served_by(port, renewed.ca_cert)
    assert not served_by(port, first_ca)

    # A renewal that does not load keeps the certificate served, and the webhook keeps answering.
    (volume / "..3").mkdir()
    (volume / "..3" / "tls.crt").write_text("not a certificate")
    (volume / "..3" / "tls.key").write_bytes(renewed.serving_key.read_bytes())
    (volume / "..data_tmp").symlink_to("..3")
    os.replace(volume / "..data_tmp", volume / "..data")
    assert served_by(port, renewed.ca_cert)
    token_secret(kube)
    kube.create(trigger_manifest())
    wait_for(lambda: kube.condition("PipelineTrigger", "on-alert", "Ready").get("reason") == "Listening")
    firing = json.dumps(notification("firing")).encode()
    assert post_https(port, f"{kube.namespace}/on-alert", firing, renewed.ca_cert) == 200
    assert len(runs_of(kube, "on-alert")) == 1

"""The generated CA, apiserver serving certificate and ServiceAccount signing key."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sagemaker_pipelines_operator.controlplane.certs import ensure_certs
from sagemaker_pipelines_operator.controlplane.errors import MissingDependencyError

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_serving_certificate_is_signed_by_the_ca_for_loopback_and_service_names(tmp_path: Path) -> None:
    files = ensure_certs(tmp_path, "10.0.0.1", now=NOW)
    ca, serving = load(files.ca_cert), load(files.serving_cert)
    serving.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    names = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("10.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert {"localhost", "kubernetes.default.svc"} <= set(names.get_values_for_type(x509.DNSName))
    assert serving.not_valid_after_utc > NOW + dt.timedelta(days=300)


def test_service_account_key_is_rsa_and_matches_its_public_key(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    files = ensure_certs(tmp_path, "10.0.0.1", now=NOW)
    private = serialization.load_pem_private_key(files.service_account_key.read_bytes(), password=None)
    public = serialization.load_pem_public_key(files.service_account_public_key.read_bytes())
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    assert isinstance(public, rsa.RSAPublicKey)
    assert private.public_key().public_numbers() == public.public_numbers()
    assert isinstance(
        serialization.load_pem_private_key(files.serving_key.read_bytes(), password=None),
        ec.EllipticCurvePrivateKey,
    )


def test_private_keys_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    files = ensure_certs(tmp_path, "10.0.0.1", now=NOW)
    for key in (files.ca_key, files.serving_key, files.service_account_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


def test_valid_material_is_reused(tmp_path: Path) -> None:
    first = ensure_certs(tmp_path, "10.0.0.1", now=NOW)
    before = first.ca_cert.read_bytes(), first.service_account_key.read_bytes()
    second = ensure_certs(tmp_path, "10.0.0.1", now=NOW + dt.timedelta(days=30))
    assert (second.ca_cert.read_bytes(), second.service_account_key.read_bytes()) == before


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param("expiring", id="serving-cert-about-to-expire"),
        pytest.param("missing", id="a-file-missing"),
    ],
)
def test_stale_or_incomplete_material_is_regenerated(tmp_path: Path, damage: str) -> None:
    first = ensure_certs(tmp_path, "10.0.0.1", now=NOW)
    old_ca = first.ca_cert.read_bytes()
    later = NOW
    if damage == "expiring":
        later = NOW + dt.timedelta(days=360)
    else:
        first.serving_key.unlink()
    second = ensure_certs(tmp_path, "10.0.0.1", now=later)
    assert second.ca_cert.read_bytes() != old_ca
    load(second.serving_cert).verify_directly_issued_by(load(second.ca_cert))


def test_missing_cryptography_says_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(MissingDependencyError, match=r"sagemaker-pipelines-operator\[local\]"):
        ensure_certs(tmp_path, "10.0.0.1")

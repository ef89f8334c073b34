"""The local control plane's key material: a CA, the apiserver serving cert, the SA signing key.

Files live in DIR/pki and are reused across restarts (so kubeconfigs and issued tokens stay valid)
until the serving certificate is about to expire. Needs the `cryptography` package (the `local`
extra); it is imported lazily so the rest of smpo works without it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sagemaker_pipelines_operator.controlplane.errors import MissingDependencyError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

VALIDITY = dt.timedelta(days=365)
RENEW_BEFORE = dt.timedelta(days=7)
# Names a client may use for the apiserver: loopback, plus the in-cluster `kubernetes` Service,
# so kubeconfigs written for pods (with the Service IP) verify too.
SERVING_DNS_NAMES: tuple[str, ...] = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)


@dataclass(frozen=True)
class CertFiles:
    """Paths of the PEM files under DIR/pki."""

    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    service_account_key: Path
    service_account_public_key: Path

    @classmethod
    def under(cls, pki_dir: Path) -> CertFiles:
        return cls(
            ca_cert=pki_dir / "ca.crt",
            ca_key=pki_dir / "ca.key",
            serving_cert=pki_dir / "apiserver.crt",
            serving_key=pki_dir / "apiserver.key",
            service_account_key=pki_dir / "sa.key",
            service_account_public_key=pki_dir / "sa.pub",
        )

    def all(self) -> tuple[Path, ...]:
        return (
            self.ca_cert,
            self.ca_key,
            self.serving_cert,
            self.serving_key,
            self.service_account_key,
            self.service_account_public_key,
        )


def require_cryptography() -> None:
    """Raise MissingDependencyError, saying how to install it, if `cryptography` is absent."""
    if importlib.util.find_spec("cryptography") is None:
        raise MissingDependencyError(
            "the local control plane generates certificates with the `cryptography` package, "
            "which is not installed: pip install 'sagemaker-pipelines-operator[local]'"
        )


def ensure_certs(pki_dir: Path, service_ip: str, now: dt.datetime | None = None) -> CertFiles:
    """Return the key material under `pki_dir`, generating all of it if any is missing or stale."""
    require_cryptography()
    files = CertFiles.under(pki_dir)
    now = now or dt.datetime.now(dt.UTC)
    if all(path.exists() for path in files.all()) and _still_valid(files.serving_cert, now):
        return files
    pki_dir.mkdir(parents=True, exist_ok=True)
    _generate(files, service_ip, now)
    return files


def _still_valid(cert_path: Path, now: dt.datetime) -> bool:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.not_valid_after_utc - RENEW_BEFORE > now


def _generate(files: CertFiles, service_ip: str, now: dt.datetime) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _ca_certificate(ca_key, now)
    serving_key = ec.generate_private_key(ec.SECP256R1())
    serving_cert = _serving_certificate(serving_key, ca_key, ca_cert, service_ip, now)
    # kube-apiserver signs ServiceAccount tokens with RS256 by default, so this one is RSA.
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    _write_key(files.ca_key, ca_key)
    _write_cert(files.ca_cert, ca_cert)
    _write_key(files.serving_key, serving_key)
    _write_cert(files.serving_cert, serving_cert)
    _write_key(files.service_account_key, sa_key)
    _write_public_key(files.service_account_public_key, sa_key.public_key())


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca_certificate(key: EllipticCurvePrivateKey, now: dt.datetime) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    name = _name("smpo-local-ca")
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _serving_certificate(
    key: EllipticCurvePrivateKey,
    ca_key: EllipticCurvePrivateKey,
    ca_cert: Any,
    service_ip: str,
    now: dt.datetime,
) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in SERVING_DNS_NAMES]
    alt_names += [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address(service_ip)),
    ]
    return (
        x509.CertificateBuilder()
        .subject_name(_name("kube-apiserver"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _write_key(path: Path, key: Any) -> None:
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private_file(path, pem)


def _write_public_key(path: Path, key: Any) -> None:
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(
        key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _write_cert(path: Path, cert: Any) -> None:
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def write_private_file(path: Path, data: bytes) -> None:
    """Write a secret (key, token file, kubeconfig) readable by its owner only."""
    path.unlink(missing_ok=True)
    # Created 0600 from the start, so the secret is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)

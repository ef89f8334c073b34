"""The webhook's serving certificate: PEM files (in a cluster, a mounted `kubernetes.io/tls` Secret)
checked before the operator starts, loaded into the server's SSL context, and loaded again at the
first handshake after they change, so a renewed certificate is served without a restart."""

from __future__ import annotations

import logging
import os
import ssl
from pathlib import Path

CERT_FLAG = "--webhook-tls-cert-file"
KEY_FLAG = "--webhook-tls-key-file"
Stamp = tuple[tuple[int, int, int], ...]
log = logging.getLogger(__name__)


class WebhookTlsError(Exception):
    """The certificate and key cannot be served: missing, unreadable, not PEM, or not a pair."""


def tls_problems(cert_file: str | None, key_file: str | None) -> list[str]:
    """What keeps these files from being served, as messages naming the flags; [] when they load
    (or when TLS is not configured)."""
    if not cert_file or not key_file:
        return []
    found = [
        problem
        for problem in (
            _pem_problem(CERT_FLAG, cert_file, "CERTIFICATE-----"),
            _pem_problem(KEY_FLAG, key_file, "PRIVATE KEY-----"),
        )
        if problem
    ]
    if found:
        return found
    try:
        load_context(cert_file, key_file)
    except WebhookTlsError as exc:
        return [str(exc)]
    return []


def _pem_problem(flag: str, path: str, marker: str) -> str | None:
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return f"{flag} {path}: no such file"
    except OSError as exc:
        return f"{flag} {path}: cannot read it ({exc.strerror or exc})"
    if "-----BEGIN " not in text or marker not in text:
        kind = "certificate" if flag == CERT_FLAG else "private key"
        return f"{flag} {path}: no PEM {kind} in it"
    return None


def load_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server context (TLS 1.2 or later) serving this certificate chain and key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        if reason == "KEY_VALUES_MISMATCH":
            reason = "the private key is not the certificate's (KEY_VALUES_MISMATCH)"
        raise WebhookTlsError(
            f"{CERT_FLAG} {cert_file} and {KEY_FLAG} {key_file} do not load as a pair: {reason}"
        ) from exc
    return context


class ReloadingContext:
    """The SSL context to serve with. Each handshake stats the two files (cheap) and, when they
    changed, swaps in a context loaded from them; files that do not load (a renewal half-written)
    keep the previous certificate until they change again."""

    def __init__(self, cert_file: str, key_file: str) -> None:
        self._files = (cert_file, key_file)
        self._stamp = _stamp(self._files)
        self.context = load_context(cert_file, key_file)
        self.context.sni_callback = self._choose  # also called without SNI (clients dialing an IP)
        self._current = self.context

    def _choose(self, connection: ssl.SSLObject, server_name: str | None, outer: ssl.SSLContext) -> None:
        stamp = _stamp(self._files)
        if stamp is not None and stamp != self._stamp:
            self._stamp = stamp
            try:
                self._current = load_context(*self._files)
            except WebhookTlsError as exc:
                log.warning("webhook TLS: keeping the previous certificate: %s", exc)
            else:
                log.info("webhook TLS: serving the certificate now in %s", self._files[0])
        if self._current is not outer:
            connection.context = self._current


def _stamp(files: tuple[str, ...]) -> Stamp | None:
    """Identity, modification time and size of each file (after symlinks: a Secret volume swaps a
    `..data` link), or None while one is missing."""
    try:
        stats = [os.stat(path) for path in files]
    except OSError:
        return None
    return tuple((s.st_ino, s.st_mtime_ns, s.st_size) for s in stats)

"""Readiness waits for control plane components: an HTTPS probe plus a watch on their pids, so a
component that dies while starting fails fast with its log instead of at the timeout."""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from sagemaker_pipelines_operator.controlplane.errors import StartupError
from sagemaker_pipelines_operator.controlplane.processes import is_alive

# A probe answers (ready, detail); detail says why not, for the timeout message.
Probe = Callable[[], tuple[bool, str]]

# Loopback only: never send these requests through an HTTP(S)_PROXY from the environment.
_OPENER_HANDLERS = (urllib.request.ProxyHandler({}),)


def https_probe(url: str, ca_cert: Path | None = None, token: str | None = None) -> Probe:
    """GET `url`; ready on HTTP 200. Without `ca_cert` the server certificate is not verified
    (the controller manager serves a self-signed one on loopback)."""
    if ca_cert is not None:
        context = ssl.create_default_context(cafile=str(ca_cert))
    else:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(*_OPENER_HANDLERS, urllib.request.HTTPSHandler(context=context))
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def probe() -> tuple[bool, str]:
        request = urllib.request.Request(url, headers=headers)
        try:
            with opener.open(request, timeout=2.0) as response:
                return response.status == 200, f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            with exc:  # an HTTPError holds the open response
                body = exc.read().decode("utf-8", errors="replace")
            failing = [line for line in body.splitlines() if line.startswith("[-]")]
            return False, f"HTTP {exc.code}: " + ("; ".join(failing) or body.strip()[:300])
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            return False, str(getattr(exc, "reason", exc))

    return probe


def wait_ready(
    name: str,
    probe: Probe,
    watched: Mapping[str, tuple[int, Path]],
    deadline: float,
    interval: float = 0.1,
) -> None:
    """Poll `probe` until ready; raise StartupError if a watched (pid, log) exits or at `deadline`."""
    while True:
        for component, (pid, log) in watched.items():
            if not is_alive(pid):
                raise StartupError(f"{component} exited while the control plane was starting", log)
        ready, detail = probe()
        if ready:
            return
        if time.monotonic() >= deadline:
            name_log = watched[name][1] if name in watched else None
            raise StartupError(f"{name} was not ready in time (last answer: {detail})", name_log)
        time.sleep(interval)

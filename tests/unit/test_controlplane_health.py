"""Readiness waits: success, a component dying while starting, and the timeout message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.controlplane.errors import StartupError
from sagemaker_pipelines_operator.controlplane.health import https_probe, wait_ready
from sagemaker_pipelines_operator.controlplane.processes import free_port

GONE_PID = 2**22 + 17


def test_returns_once_the_probe_is_ready() -> None:
    answers = iter([(False, "HTTP 500"), (False, "HTTP 500"), (True, "HTTP 200")])
    wait_ready("x", lambda: next(answers), {}, time.monotonic() + 5, interval=0.001)


def test_component_exiting_fails_fast_with_its_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "etcd.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)) + "bind: address already in use\n")
    started = time.monotonic()
    with pytest.raises(StartupError) as caught:
        wait_ready("kube-apiserver", lambda: (False, "refused"), {"etcd": (GONE_PID, log)}, started + 30)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "etcd exited" in message
    assert message.endswith("bind: address already in use")
    assert "line 99" in message and "line 10\n" not in message
    assert caught.value.log == log


def test_timeout_names_the_component_last_answer_and_log(tmp_path: Path) -> None:
    log = tmp_path / "kube-apiserver.log"
    log.write_text("waiting for etcd\n")
    with pytest.raises(StartupError, match=r"not ready in time \(last answer: HTTP 500: \[-\]etcd failed\)"):
        wait_ready(
            "kube-apiserver",
            lambda: (False, "HTTP 500: [-]etcd failed"),
            {},
            time.monotonic() + 0.05,
            interval=0.01,
        )


def test_https_probe_reports_a_closed_port_as_not_ready() -> None:
    ready, detail = https_probe(f"https://127.0.0.1:{free_port()}/readyz")()
    assert not ready
    assert "refused" in detail.lower()

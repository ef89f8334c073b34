"""Spawning, liveness and stopping of control plane processes, and loopback port picking."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.controlplane.processes import (
    free_ports,
    is_alive,
    port_in_use,
    spawn,
    stop,
)

SLEEP = shutil.which("sleep") or "/bin/sleep"


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(4)
    assert len(set(ports)) == 4
    assert not any(port_in_use(port) for port in ports)


def test_free_ports_skip_excluded_ones() -> None:
    first = free_ports(1)[0]
    assert first not in free_ports(20, exclude=[first])


def test_a_listening_port_is_in_use() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert port_in_use(listener.getsockname()[1])


def wait_for_text(path: Path, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and text in path.read_text()):
        assert time.monotonic() < deadline, f"{text!r} not in {path}"
        time.sleep(0.02)


def test_spawned_process_logs_both_streams_and_is_stopped(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "echo.log"
    script = (
        "import sys, time; print('out', flush=True); print('err', file=sys.stderr, flush=True);time.sleep(60)"
    )
    pid = spawn([sys.executable, "-c", script], log, os.environ)
    try:
        wait_for_text(log, "err")
        assert "out" in log.read_text()
        assert is_alive(pid)
        assert is_alive(pid, marker="time.sleep(60)")
        assert not is_alive(pid, marker="not in the command line")
    finally:
        assert stop([pid], grace=5.0) == [pid]
    assert not is_alive(pid)


def test_spawned_process_runs_in_its_own_session(tmp_path: Path) -> None:
    pid = spawn([SLEEP, "30"], tmp_path / "sleep.log", os.environ)
    try:
        assert os.getsid(pid) == pid
    finally:
        stop([pid])


def test_process_ignoring_sigterm_is_killed_after_grace(tmp_path: Path) -> None:
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        "print('ready', flush=True); time.sleep(60)"
    )
    log = tmp_path / "stubborn.log"
    pid = spawn([sys.executable, "-c", script], log, os.environ)
    wait_for_text(log, "ready")
    assert stop([pid], grace=0.3) == [pid]
    assert not is_alive(pid)


def test_exited_child_is_not_alive(tmp_path: Path) -> None:
    pid = spawn([sys.executable, "-c", "pass"], tmp_path / "quick.log", os.environ)
    deadline = time.monotonic() + 10
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not is_alive(pid)


@pytest.mark.parametrize("pid", [0, -1, 2**22 + 17])
def test_impossible_pids_are_not_alive(pid: int) -> None:
    assert not is_alive(pid)


def test_stop_of_nothing_running_returns_empty(tmp_path: Path) -> None:
    assert stop([2**22 + 17]) == []


def test_die_with_parent_kills_the_process_when_its_parent_exits(tmp_path: Path) -> None:
    parent = (
        "import os, sys; from pathlib import Path;"
        "from sagemaker_pipelines_operator.controlplane.processes import spawn;"
        f"print(spawn([{SLEEP!r}, '30'], Path(sys.argv[1]), os.environ, die_with_parent=True))"
    )
    out = subprocess.run(
        [sys.executable, "-c", parent, str(tmp_path / "tied.log")],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )
    pid = int(out.stdout)
    deadline = time.monotonic() + 10
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = is_alive(pid)
    if alive:
        stop([pid])
    assert not alive, "the process outlived the parent that spawned it with die_with_parent"


def test_detached_process_outlives_its_parent(tmp_path: Path) -> None:
    parent = (
        "import os, sys; from pathlib import Path;"
        "from sagemaker_pipelines_operator.controlplane.processes import spawn;"
        f"print(spawn([{SLEEP!r}, '30'], Path(sys.argv[1]), os.environ))"
    )
    out = subprocess.run(
        [sys.executable, "-c", parent, str(tmp_path / "free.log")],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )
    pid = int(out.stdout)
    try:
        time.sleep(0.3)
        assert is_alive(pid)
    finally:
        stop([pid])
    assert not is_alive(pid)

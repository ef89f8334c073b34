"""Child processes of the control plane: loopback ports, spawning with a log, liveness, stopping.

Processes run in their own session so they outlive `smpo controlplane up` and ignore the
terminal's Ctrl-C; `die_with_parent` ties them to the caller instead (pytest), so a killed test
run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int, exclude: Iterable[int] = ()) -> list[int]:
    """`count` distinct free loopback ports, none of them in `exclude`."""
    taken = set(exclude)
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in taken:
            taken.add(port)
            ports.append(port)
    return ports


def port_in_use(port: int) -> bool:
    """Whether binding `port` on loopback fails the way the Go servers' bind would."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Go sets SO_REUSEADDR on listeners, so a port only in TIME_WAIT counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return True
        return False


def spawn(argv: list[str], log: Path, env: Mapping[str, str], die_with_parent: bool = False) -> int:
    """Start `argv` (argv[0] an absolute path) with stdout and stderr appended to `log`."""
    if die_with_parent:
        setpriv = shutil.which("setpriv")
        # Linux delivers the signal when the spawning thread exits; setpriv (util-linux) sets it
        # and then execs, so the pid we record is still the component's own.
        if setpriv:
            argv = [setpriv, "--pdeathsig", "KILL", "--", *argv]
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        return os.posix_spawn(
            argv[0],
            argv,
            dict(env),
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, fd, 1),
                (os.POSIX_SPAWN_DUP2, fd, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(fd)


def _reap(pid: int) -> bool:
    """Collect our own exited child; True if `pid` was ours and has exited."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid


def _proc_file(pid: int, name: str) -> str | None:
    try:
        return Path(f"/proc/{pid}/{name}").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def is_alive(pid: int, marker: str | None = None) -> bool:
    """Whether `pid` runs and is not a zombie; with `marker`, also that its command line contains
    it (guards against a recycled pid after a reboot or a long time)."""
    if pid <= 0 or _reap(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    stat = _proc_file(pid, "stat")
    if stat is not None and stat.rpartition(")")[2].split()[:1] == ["Z"]:
        return False
    if marker is not None:
        cmdline = _proc_file(pid, "cmdline")
        if cmdline is not None and marker not in cmdline.replace("\0", " "):
            return False
    return True


def stop(pids: Iterable[int], grace: float = 10.0, marker: str | None = None) -> list[int]:
    """SIGTERM every live pid, SIGKILL those still running after `grace` seconds; returns the
    pids that were running."""
    running = [pid for pid in pids if is_alive(pid, marker)]
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    remaining = list(running)
    while remaining and time.monotonic() < deadline:
        time.sleep(0.05)
        remaining = [pid for pid in remaining if is_alive(pid)]
    for pid in remaining:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    kill_deadline = time.monotonic() + 5.0
    while remaining and time.monotonic() < kill_deadline:
        time.sleep(0.02)
        remaining = [pid for pid in remaining if is_alive(pid)]
    return running

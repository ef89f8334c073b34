"""Why the local control plane could not start, each with a message that says what to do.

ControlPlaneError
├── BinaryNotFoundError      etcd/kube-apiserver/... not built: run `make controlplane`
├── MissingDependencyError   the `cryptography` package is absent: install the `local` extra
├── PortInUseError           a port asked for explicitly is taken by another process
└── StartupError             a component exited or was not ready in time (with its log tail)
"""

from __future__ import annotations

from pathlib import Path


class ControlPlaneError(Exception):
    """The local control plane cannot be brought up or down."""


class BinaryNotFoundError(ControlPlaneError):
    """One or more Go binaries are missing from every place we look."""

    def __init__(self, missing: list[str], searched: list[Path]) -> None:
        places = "\n".join(f"  - {path}" for path in searched) or "  (no directory)"
        super().__init__(
            f"control plane binaries not found: {', '.join(missing)}.\n"
            "Build them once with `make controlplane` (cached in ~/.cache/smpo/bin), or point "
            f"$SMPO_BIN_DIR at a directory holding them. Searched:\n{places}\n  - $PATH"
        )
        self.missing = missing


class MissingDependencyError(ControlPlaneError):
    """A Python package needed only by the local stack is not installed."""


class PortInUseError(ControlPlaneError):
    """A fixed port was requested and something already listens on it."""

    def __init__(self, port: int, what: str) -> None:
        super().__init__(
            f"port {port} on 127.0.0.1 (asked for {what}) is already in use; "
            "choose another --port or omit it to pick a free one"
        )
        self.port = port


class StartupError(ControlPlaneError):
    """A component exited early or did not become ready; the message ends with its log tail."""

    def __init__(self, message: str, log: Path | None = None, tail_lines: int = 25) -> None:
        tail = ""
        if log is not None:
            tail = f"\n--- last lines of {log} ---\n{log_tail(log, tail_lines)}"
        super().__init__(message + tail)
        self.log = log


def log_tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(cannot read log: {exc})"
    return "\n".join(text.splitlines()[-lines:])

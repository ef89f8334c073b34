"""Where the control plane's Go binaries are found: the directories searched, in order.

1. $SMPO_BIN_DIR (the Makefile exports it), 2. $SMPO_CACHE/bin, 3. the default cache
($XDG_CACHE_HOME or ~/.cache)/smpo/bin where `make controlplane` (hack/gobin.sh) puts them,
4. $PATH.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from sagemaker_pipelines_operator.controlplane.errors import BinaryNotFoundError

ETCD = "etcd"
KUBE_APISERVER = "kube-apiserver"
KUBE_CONTROLLER_MANAGER = "kube-controller-manager"
KUBECTL = "kubectl"
CONTROL_PLANE_BINARIES: tuple[str, ...] = (ETCD, KUBE_APISERVER, KUBE_CONTROLLER_MANAGER, KUBECTL)


def search_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """The cache directories to look in before $PATH, most specific first, without duplicates."""
    env = os.environ if env is None else env
    candidates: list[Path] = []
    if env.get("SMPO_BIN_DIR"):
        candidates.append(Path(env["SMPO_BIN_DIR"]))
    if env.get("SMPO_CACHE"):
        candidates.append(Path(env["SMPO_CACHE"]) / "bin")
    cache_home = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    candidates.append(cache_home / "smpo" / "bin")
    unique: list[Path] = []
    for path in candidates:
        if path not in unique:
            unique.append(path)
    return unique


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_binaries(names: Iterable[str], env: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Absolute paths of every binary in `names`; raises naming all missing ones at once."""
    env = os.environ if env is None else env
    dirs = search_dirs(env)
    found: dict[str, Path] = {}
    missing: list[str] = []
    for name in names:
        path = next((d / name for d in dirs if _executable(d / name)), None)
        if path is None:
            on_path = shutil.which(name, path=env.get("PATH", ""))
            path = Path(on_path) if on_path else None
        if path is None:
            missing.append(name)
        else:
            found[name] = path.resolve()
    if missing:
        raise BinaryNotFoundError(missing, dirs)
    return found


def find_binary(name: str, env: Mapping[str, str] | None = None) -> Path:
    """The absolute path of one binary (see `find_binaries`)."""
    return find_binaries([name], env)[name]

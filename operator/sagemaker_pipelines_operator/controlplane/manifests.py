"""Applying manifests (CRDs first of all) to the local control plane with kubectl, server-side,
and waiting until the CRDs among them are Established."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

from sagemaker_pipelines_operator.controlplane.errors import ControlPlaneError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
FIELD_MANAGER = "smpo-controlplane"


def manifest_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files among `paths`, with directories expanded to their manifests in name order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in MANIFEST_SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise ControlPlaneError(f"manifest path does not exist: {path}")
    return files


def crd_names(files: Iterable[Path]) -> list[str]:
    """Names of the CustomResourceDefinitions declared in `files`."""
    names: list[str] = []
    for file in files:
        for doc in yaml.safe_load_all(file.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                names.append(str(doc["metadata"]["name"]))
    return names


def apply(
    kubectl: Path, kubeconfig: Path, cache_dir: Path, paths: Sequence[Path | str], deadline: float
) -> None:
    """Apply every manifest under `paths`; raise ControlPlaneError with kubectl's output on failure."""
    files = manifest_files(paths)
    if not files:
        return
    base = [str(kubectl), f"--kubeconfig={kubeconfig}", f"--cache-dir={cache_dir}"]
    file_args = [arg for file in files for arg in ("-f", str(file))]
    _kubectl(
        [
            *base,
            "apply",
            "--server-side",
            "--force-conflicts",
            f"--field-manager={FIELD_MANAGER}",
            *file_args,
        ],
        deadline,
    )
    names = crd_names(files)
    if names:
        wait_established(kubectl, kubeconfig, names, deadline, cache_dir)


# kubectl wait fails at once, instead of waiting, on a CRD the API server has not given any
# conditions yet (kubernetes/kubectl: ".status.conditions accessor error: <nil> is of the type
# <nil>"); seen here about once in 2,500 tests right after an apply.
_NO_CONDITIONS_YET = "accessor error"
_RETRY_SECONDS = 0.2


def wait_established(
    kubectl: Path, kubeconfig: Path, names: Sequence[str], deadline: float, cache_dir: Path | None = None
) -> None:
    """Wait until the CRDs `names` are Established (by the deadline); ControlPlaneError otherwise."""
    base = [str(kubectl), f"--kubeconfig={kubeconfig}", *([f"--cache-dir={cache_dir}"] if cache_dir else [])]
    while True:
        seconds = max(1, int(deadline - time.monotonic()))
        argv = [
            *base,
            "wait",
            "--for=condition=Established",
            f"--timeout={seconds}s",
            *(f"crd/{n}" for n in names),
        ]
        try:
            _kubectl(argv, deadline)
            return
        except ControlPlaneError as exc:
            if _NO_CONDITIONS_YET not in str(exc) or time.monotonic() + _RETRY_SECONDS >= deadline:
                raise
        time.sleep(_RETRY_SECONDS)


def _kubectl(argv: list[str], deadline: float) -> None:
    try:
        subprocess.run(
            argv,
            check=True,
            capture_output=True,
            text=True,
            timeout=max(1.0, deadline - time.monotonic()),
        )
    except subprocess.CalledProcessError as exc:
        raise ControlPlaneError(
            f"`kubectl {_verb(argv)}` failed:\n{exc.stderr.strip() or exc.stdout.strip()}"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ControlPlaneError(f"`kubectl {_verb(argv)}` did not finish in time") from exc


def _verb(argv: list[str]) -> str:
    """kubectl's subcommand: the first argument after the binary that is not a --flag."""
    return next((a for a in argv[1:] if not a.startswith("--")), "")

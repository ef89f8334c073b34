"""The Dockerfile's recipe without Docker: copy what its build stage copies, build the wheels the
way it does, install them offline into a fresh venv, and run the entrypoint's commands there."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_pipelines_operator import __version__

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "Dockerfile"
WHEEL_STEP = "python -m pip wheel --wheel-dir /wheels ."
INSTALL_STEP = (
    "python -m pip install --no-index --find-links=/wheels --no-cache-dir sagemaker-pipelines-operator"
)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")  # as in .dockerignore


def build_stage_copies(dockerfile: str) -> list[str]:
    """Sources of the COPY instructions before the second FROM (the build stage)."""
    stage = dockerfile.split("\nFROM ", 2)[1]
    sources: list[str] = []
    for line in stage.splitlines():
        if line.startswith("COPY "):
            sources.extend(line.split()[1:-1])
    return sources


def sh(*argv: str | Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_dockerfile_recipe_installs_a_working_smpo_from_the_wheel(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert WHEEL_STEP in dockerfile and INSTALL_STEP in dockerfile, "update this test with the Dockerfile"
    entrypoint = re.search(r"^ENTRYPOINT (.+)$", dockerfile, re.MULTILINE)
    assert entrypoint and json.loads(entrypoint.group(1)) == ["smpo", "run"]
    assert re.search(r"^USER 65532:65532$", dockerfile, re.MULTILINE)

    src = tmp_path / "src"
    src.mkdir()
    for source in build_stage_copies(dockerfile):
        origin = REPO_ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, src / source, ignore=IGNORED)
        else:
            shutil.copy2(origin, src / source)
    wheels = tmp_path / "wheels"
    sh(sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", wheels, src)
    assert list(wheels.glob(f"sagemaker_pipelines_operator-{__version__}-*.whl"))

    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", venv)
    install = INSTALL_STEP.replace("/wheels", str(wheels)).split()[1:]
    sh(venv / "bin" / "python", *install)

    # The image's environment: HOME in /tmp and no bytecode writes (read-only root filesystem).
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({k: v for k, v in os.environ.items() if k.startswith("LC_") or k == "LANG"})
    installed = tree(venv)
    assert sh("smpo", "--version", env=env).strip() == f"smpo {__version__}"
    help_text = sh("smpo", "run", "--help", env=env)
    assert "--namespace" in help_text and "SMPO_REGION" in help_text
    crds = sh("smpo", "crds", env=env)
    assert "name: pipelineruns.sagemaker.pipelines.dev" in crds
    assert not list((venv / "lib").glob("python*/site-packages/sagemaker_pipelines_emulator"))
    for command in ("emulator", "dev"):
        absent = subprocess.run(["smpo", command], capture_output=True, text=True, env=env, check=False)
        assert absent.returncode == 2 and "emulator package" in absent.stderr, absent.stderr
    assert tree(venv) == installed, "running smpo wrote into the installation"

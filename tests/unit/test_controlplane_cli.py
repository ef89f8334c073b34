"""`smpo controlplane` without a running control plane, and the test fixture when binaries are
missing: both must say to run `make controlplane`, and the fixture must fail, never skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.cli.main import main

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_binaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment in which no control plane binary can be found."""
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {
        "SMPO_BIN_DIR": str(empty),
        "SMPO_CACHE": str(empty),
        "XDG_CACHE_HOME": str(empty),
        "PATH": str(empty),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_down_with_nothing_running_is_a_noop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controlplane", "down", "--dir", str(tmp_path)]) == 0
    assert "no control plane runs" in capsys.readouterr().out


def test_status_with_nothing_running_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controlplane", "status", "--dir", str(tmp_path)]) == 1
    assert "no control plane runs" in capsys.readouterr().out


def test_up_without_binaries_names_the_make_target(
    tmp_path: Path, no_binaries: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["controlplane", "up", "--dir", str(tmp_path / "cp")]) == 1
    err = capsys.readouterr().err
    assert "make controlplane" in err
    assert "kube-apiserver" in err and "etcd" in err
    assert not (tmp_path / "cp" / "state.json").exists()


def test_fixture_fails_and_never_skips_without_binaries(tmp_path: Path, no_binaries: dict[str, str]) -> None:
    (tmp_path / "test_needs_cluster.py").write_text("def test_it(control_plane):\n    pass\n")
    env = {**os.environ, **no_binaries, "PYTHONPATH": str(REPO_ROOT), "PATH": os.environ.get("PATH", "")}
    # The fixture looks in SMPO_BIN_DIR, the caches and PATH; keep only an empty PATH entry for it.
    env["PATH"] = no_binaries["PATH"] + os.pathsep + os.path.dirname(sys.executable)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.fixtures.kube",
            "-p",
            "no:cacheprovider",
            "-rA",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 error" in result.stdout and "skipped" not in result.stdout
    assert "make controlplane" in result.stdout

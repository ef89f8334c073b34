"""Where the control plane binaries are looked up, in order, and the error when they are absent."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.controlplane.binaries import find_binaries, find_binary, search_dirs
from sagemaker_pipelines_operator.controlplane.errors import BinaryNotFoundError


def make_executable(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    return {key: tmp_path / key for key in ("bin_dir", "cache", "xdg", "path")}


def env_for(dirs: dict[str, Path]) -> dict[str, str]:
    return {
        "SMPO_BIN_DIR": str(dirs["bin_dir"]),
        "SMPO_CACHE": str(dirs["cache"]),
        "XDG_CACHE_HOME": str(dirs["xdg"]),
        "PATH": str(dirs["path"]),
    }


def test_search_order_is_bin_dir_then_cache_then_default_cache(dirs: dict[str, Path]) -> None:
    assert search_dirs(env_for(dirs)) == [
        dirs["bin_dir"],
        dirs["cache"] / "bin",
        dirs["xdg"] / "smpo" / "bin",
    ]


def test_default_cache_is_under_home_without_xdg() -> None:
    assert search_dirs({}) == [Path.home() / ".cache" / "smpo" / "bin"]


def test_same_directory_is_searched_once(tmp_path: Path) -> None:
    env = {"SMPO_BIN_DIR": str(tmp_path / "smpo" / "bin"), "XDG_CACHE_HOME": str(tmp_path)}
    assert search_dirs(env) == [tmp_path / "smpo" / "bin"]


@pytest.mark.parametrize(
    ("present_in", "expected"),
    [
        pytest.param(["bin_dir", "cache", "xdg", "path"], "bin_dir", id="bin-dir-wins"),
        pytest.param(["cache", "xdg", "path"], "cache", id="smpo-cache-next"),
        pytest.param(["xdg", "path"], "xdg", id="default-cache-next"),
        pytest.param(["path"], "path", id="path-last"),
    ],
)
def test_first_directory_holding_the_binary_wins(
    dirs: dict[str, Path], present_in: list[str], expected: str
) -> None:
    located = {
        "bin_dir": dirs["bin_dir"],
        "cache": dirs["cache"] / "bin",
        "xdg": dirs["xdg"] / "smpo" / "bin",
        "path": dirs["path"],
    }
    for key in present_in:
        make_executable(located[key], "etcd")
    assert find_binary("etcd", env_for(dirs)) == (located[expected] / "etcd").resolve()


def test_non_executable_file_is_ignored(dirs: dict[str, Path]) -> None:
    dirs["bin_dir"].mkdir()
    (dirs["bin_dir"] / "etcd").write_text("not executable")
    fallback = make_executable(dirs["path"], "etcd")
    assert find_binary("etcd", env_for(dirs)) == fallback.resolve()


def test_missing_binaries_are_all_named_with_the_make_target(dirs: dict[str, Path]) -> None:
    make_executable(dirs["bin_dir"], "etcd")
    with pytest.raises(BinaryNotFoundError) as caught:
        find_binaries(["etcd", "kube-apiserver", "kubectl"], env_for(dirs))
    assert caught.value.missing == ["kube-apiserver", "kubectl"]
    message = str(caught.value)
    assert "make controlplane" in message
    assert str(dirs["bin_dir"]) in message

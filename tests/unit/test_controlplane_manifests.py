"""Which manifests `up` applies, the CRDs it waits for, and kubectl failures surfacing."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.controlplane.errors import ControlPlaneError
from sagemaker_pipelines_operator.controlplane.manifests import (
    apply,
    crd_names,
    manifest_files,
    wait_established,
)

CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {name}
"""


def fake_kubectl(tmp_path: Path, exit_code: int = 0) -> tuple[Path, Path]:
    calls = tmp_path / "calls"
    script = tmp_path / "kubectl"
    script.write_text(f'#!/bin/sh\necho "$@" >> {calls}\necho "error: no way" >&2\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, calls


def test_directories_expand_to_their_manifests_in_name_order(tmp_path: Path) -> None:
    directory = tmp_path / "dir"
    directory.mkdir()
    for name in ("b.yaml", "a.yml", "c.json", "README.md"):
        (directory / name).write_text("{}")
    single = tmp_path / "single.yaml"
    single.write_text("{}")
    assert manifest_files([directory, single]) == [
        directory / "a.yml",
        directory / "b.yaml",
        directory / "c.json",
        single,
    ]


def test_missing_manifest_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ControlPlaneError, match="does not exist"):
        manifest_files([tmp_path / "nope.yaml"])


def test_crd_names_come_from_every_document(tmp_path: Path) -> None:
    path = tmp_path / "crds.yaml"
    path.write_text(
        CRD.format(name="a.x.dev")
        + "---\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
        + CRD.format(name="b.x.dev")
    )
    assert crd_names([path]) == ["a.x.dev", "b.x.dev"]


def test_apply_is_server_side_then_waits_for_crds(tmp_path: Path) -> None:
    kubectl, calls = fake_kubectl(tmp_path)
    manifests = tmp_path / "m"
    manifests.mkdir()
    (manifests / "crd.yaml").write_text(CRD.format(name="things.x.dev"))
    apply(kubectl, tmp_path / "kubeconfig", tmp_path / "cache", [manifests], time.monotonic() + 30)
    apply_call, wait_call = calls.read_text().splitlines()
    assert "apply --server-side --force-conflicts" in apply_call
    assert f"-f {manifests / 'crd.yaml'}" in apply_call
    assert f"--kubeconfig={tmp_path / 'kubeconfig'}" in apply_call
    assert "wait --for=condition=Established" in wait_call and wait_call.endswith("crd/things.x.dev")


def test_no_manifests_means_no_kubectl_call(tmp_path: Path) -> None:
    kubectl, calls = fake_kubectl(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    apply(kubectl, tmp_path / "kubeconfig", tmp_path / "cache", [empty], time.monotonic() + 30)
    assert not calls.exists()


def test_kubectl_failure_carries_its_message(tmp_path: Path) -> None:
    kubectl, _ = fake_kubectl(tmp_path, exit_code=1)
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("kind: ConfigMap\n")
    with pytest.raises(ControlPlaneError, match="kubectl apply` failed:\nerror: no way"):
        apply(kubectl, tmp_path / "kubeconfig", tmp_path / "cache", [manifest], time.monotonic() + 30)


def flaky_kubectl(tmp_path: Path, first_error: str) -> tuple[Path, Path]:
    """A kubectl whose first `wait` fails with `first_error`; later calls succeed."""
    calls, script, failed = tmp_path / "calls", tmp_path / "kubectl", tmp_path / "failed-once"
    script.write_text(
        f'#!/bin/sh\necho "$@" >> {calls}\n'
        f'if [ ! -e {failed} ]; then touch {failed}; echo "{first_error}" >&2; exit 1; fi\nexit 0\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, calls


def test_a_crd_without_conditions_yet_is_waited_for_not_an_error(tmp_path: Path) -> None:
    error = "error: .status.conditions accessor error: <nil> is of the type <nil>, expected []interface{}"
    kubectl, calls = flaky_kubectl(tmp_path, error)
    wait_established(kubectl, tmp_path / "kubeconfig", ["things.x.dev"], time.monotonic() + 30)
    waits = calls.read_text().splitlines()
    assert len(waits) == 2 and all("wait --for=condition=Established" in w for w in waits)


def test_any_other_wait_failure_is_reported_at_once(tmp_path: Path) -> None:
    kubectl, calls = flaky_kubectl(tmp_path, "error: timed out waiting for the condition")
    with pytest.raises(ControlPlaneError, match="`kubectl wait` failed:\nerror: timed out"):
        wait_established(kubectl, tmp_path / "kubeconfig", ["things.x.dev"], time.monotonic() + 30)
    assert len(calls.read_text().splitlines()) == 1

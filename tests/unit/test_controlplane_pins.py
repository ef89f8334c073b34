"""The Kubernetes pin is written in three places that must agree: the wrapper module's require,
the version stamps its build links in, and the version the chart tests render for."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fixtures.chart import KUBE_VERSION

WRAPPER = Path(__file__).resolve().parents[2] / "hack" / "controlplane" / "kubernetes"


def test_version_stamps_match_the_pinned_kubernetes_module() -> None:
    pinned = re.search(r"^require k8s\.io/kubernetes (v\S+)$", (WRAPPER / "go.mod").read_text(), re.M)
    assert pinned, "go.mod no longer requires k8s.io/kubernetes on one line"
    version = pinned.group(1)
    major, minor = version.lstrip("v").split(".")[:2]
    flags = dict(re.findall(r"-X (\S+)=(\S+)", (WRAPPER / "ldflags").read_text()))
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        assert flags[f"{package}.gitVersion"] == version
        assert (flags[f"{package}.gitMajor"], flags[f"{package}.gitMinor"]) == (major, minor)
    assert version == KUBE_VERSION

"""Watch stall: a TCP proxy between the operator and the API server keeps the connections open but
stops forwarding. Liveness (what /healthz serves) fails once the silence exceeds
--watch-stall-seconds, so the kubelet would restart the pod; when the proxy forwards again, a
change made during the stall is reconciled and liveness passes again. Times printed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagemaker_pipelines_operator.controlplane import ClusterInfo
from tests.fixtures.tcp_proxy import StallingProxy
from tests.integration.pipeline_helpers import Pipelines, wait_for

STALL_SECONDS = 6.0
"""The operator's --watch-stall-seconds here (production: 600); must exceed resync (2 s)."""


@pytest.fixture
def proxy(control_plane: ClusterInfo) -> Iterator[StallingProxy]:
    """Requested before the operator, so it closes only after the operator has stopped."""
    stalling = StallingProxy("127.0.0.1", control_plane.ports.apiserver)
    yield stalling
    stalling.resume()
    stalling.close()


def proxied_kubeconfig(kubeconfig: Path, port: int, out: Path) -> Path:
    doc = yaml.safe_load(kubeconfig.read_text())
    for cluster in doc["clusters"]:
        cluster["cluster"]["server"] = f"https://127.0.0.1:{port}"
    out.write_text(yaml.safe_dump(doc))
    return out


@pytest.mark.timeout(300)
def test_a_stalled_watch_fails_liveness_and_the_operator_recovers_when_traffic_flows(
    proxy: StallingProxy, start_operator: Any, pipelines: Pipelines, kubeconfig_path: Path, tmp_path: Path
) -> None:
    config = proxied_kubeconfig(kubeconfig_path, proxy.port, tmp_path / "proxied.kubeconfig")
    op = start_operator(kubeconfig=config, watch_stall_seconds=STALL_SECONDS)
    pipelines.create("churn")
    pipelines.wait_condition("churn", "Ready", "True", generation=1)
    clock = op.ctx.clock
    assert clock is not None
    # The test reads Ready straight from the API server; the operator learns it from its watch,
    # through the proxy, a moment later. Until then it counts no Ready Pipeline, so silence is
    # "quiet", not a stall: stall the proxy only once the operator expects events.
    wait_for(lambda: clock.liveness().reason == "watching", what="the operator to see the Ready Pipeline")
    assert clock.liveness().ok

    proxy.stall()
    stalled = time.monotonic()
    pipelines.patch_spec("churn", {"description": "changed during the stall"})
    verdict = wait_for(
        lambda: (v := clock.liveness()) and not v.ok and v,
        timeout=STALL_SECONDS + 30,
        what="liveness to fail while the watch is stalled",
    )
    detected = time.monotonic() - stalled
    assert verdict.reason == "watch stalled: no event received"

    proxy.resume()
    resumed = time.monotonic()
    pipelines.wait_condition("churn", "Ready", "True", generation=2, timeout=60)
    wait_for(lambda: clock.liveness().ok, what="liveness to pass again")
    recovered = time.monotonic() - resumed
    print(
        f"\nwatch stall: liveness failed {detected:.1f}s after the proxy stalled "
        f"(--watch-stall-seconds {STALL_SECONDS:.0f}); the change made meanwhile was reconciled "
        f"and liveness passed {recovered:.1f}s after traffic flowed again"
    )

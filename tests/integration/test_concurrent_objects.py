"""`--max-concurrent-objects`: with kopf working on at most a few objects at once, a batch of
runs larger than the limit still all start exactly once and finish (no object waits forever for
a worker slot held by another)."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from tests.fixtures.runs import Kube, calls, run_manifest

RUNS = 12


def test_runs_beyond_the_object_limit_all_start_once_and_finish(
    kube_api: client.ApiClient, namespace: str, start_operator: Any, emulator: Any
) -> None:
    start_operator(max_concurrent_objects=3)
    kube = Kube(kube_api, namespace)
    kube.ready_pipeline()
    for i in range(RUNS):
        kube.create(run_manifest(f"batch-{i:02d}"))
    for i in range(RUNS):
        kube.wait_phase(f"batch-{i:02d}", "Succeeded", timeout=120)
    assert calls(emulator, "StartPipelineExecution") == RUNS

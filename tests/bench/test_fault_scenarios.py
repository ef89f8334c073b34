"""The fault scenarios at the issue's full size (`make bench`); the integration tests run the same
functions scaled for CI. Sizes from the environment: SMPO_BENCH_STORM_PIPELINES (10),
SMPO_BENCH_STORM_RUNS (100), SMPO_BENCH_RACE_TRIALS (50 of each pairing),
SMPO_BENCH_RESTART_RUNS (50), SMPO_BENCH_LEADER_KILLS (20) and SMPO_BENCH_FUZZ_MANIFESTS
(1000). Figures are printed; correctness is asserted, time never."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from sagemaker_pipelines_operator.controlplane import ClusterInfo
from tests.fixtures.runs import Kube
from tests.integration.fault_scenarios import throttling_storm
from tests.integration.pipeline_helpers import Pipelines
from tests.integration.test_faults_apiserver_restart import own_control_plane, restart_while_runs_execute
from tests.integration.test_faults_fuzzing import ErrorLog, error_log, fuzz, generate
from tests.integration.test_faults_races import run_races
from tests.integration.test_faults_replicas import kill_the_leader, replica, stop_replicas

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]


def test_throttling_storm_at_full_size(
    kube_api: client.ApiClient, namespace: str, emulator: Any, start_operator: Any, sagemaker_client: Any
) -> None:
    pipelines = int(os.environ.get("SMPO_BENCH_STORM_PIPELINES", "10"))
    runs = int(os.environ.get("SMPO_BENCH_STORM_RUNS", "100"))
    kube = Kube(kube_api, namespace)
    figures = throttling_storm(
        kube, emulator, start_operator, sagemaker_client, pipelines=pipelines, runs=runs
    )
    print(f"\n{figures.line()}")
    assert figures.counted == figures.throttled
    assert figures.updates == pipelines


def test_races_at_full_size(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    run_races(pipelines, emulator, sagemaker_client, int(os.environ.get("SMPO_BENCH_RACE_TRIALS", "50")))


def test_apiserver_restart_at_full_size(
    own_control_plane: ClusterInfo, start_operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    runs = int(os.environ.get("SMPO_BENCH_RESTART_RUNS", "50"))
    restart_while_runs_execute(own_control_plane, start_operator, sagemaker_client, runs)


def test_leader_killed_at_full_size(
    *,
    kube_api: client.ApiClient,
    namespace: str,
    kubeconfig_path: Path,
    emulator: Any,
    sagemaker_client: Any,
    tmp_path: Path,
) -> None:
    kube = Kube(kube_api, namespace)
    replicas = tuple(replica(x, kubeconfig_path, namespace, emulator.url, tmp_path) for x in "ab")
    try:
        kills = int(os.environ.get("SMPO_BENCH_LEADER_KILLS", "20"))
        figures = kill_the_leader(kube, emulator, sagemaker_client, (replicas[0], replicas[1]), kills=kills)
        print(f"\n{figures.line()}")
    finally:
        stop_replicas(kube, *replicas)


def test_fuzzing_at_full_size(
    kube_api: client.ApiClient, namespace: str, start_operator: Any, error_log: ErrorLog
) -> None:
    manifests = generate(int(os.environ.get("SMPO_BENCH_FUZZ_MANIFESTS", "1000")))
    figures = fuzz(Kube(kube_api, namespace), start_operator, manifests, error_log)
    print(f"\n{figures.line()}")


__all__ = ["error_log", "own_control_plane"]  # the fixture, imported for the restart scenario

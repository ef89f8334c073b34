"""Throttling storm: half of all SageMaker calls throttled; Pipelines are created and updated and
runs start and finish regardless, each run with exactly one execution, and every throttle is
counted in smpo_sagemaker_throttles_total. Full size (10 Pipelines, 100 runs) under `make bench`."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.runs import Kube
from tests.integration.fault_scenarios import throttling_storm

PIPELINES, RUNS = 2, 10
"""Scaled for CI (the full size runs in make bench); with standard retries under the operator's
own budget the storm converges in seconds, not minutes (docs/reliability.md)."""


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.mark.timeout(900)
def test_every_resource_converges_and_each_run_executes_once_when_half_the_calls_are_throttled(
    kube: Kube, emulator: Any, start_operator: Any, sagemaker_client: Any
) -> None:
    figures = throttling_storm(
        kube, emulator, start_operator, sagemaker_client, pipelines=PIPELINES, runs=RUNS
    )
    print(f"\n{figures.line()}")
    assert figures.throttled > figures.calls / 4
    assert figures.counted == figures.throttled
    assert figures.updates == PIPELINES

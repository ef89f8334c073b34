"""Exactly one execution per PipelineRun, whatever crashes: `smpo run` is started as a separate
process and SIGKILLed at random points around the start, 50 times; after a final restart the
emulator must show exactly one execution per run, the one each run's status names.

StartPipelineExecution answers after 0.3 s here, so many kills land while the request is in
flight: the emulator creates the execution, the operator never sees the ARN, and only the
token replay on resume keeps the next operator from starting a second one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.operator_process import OperatorProcess, kill
from tests.fixtures.runs import Kube, executions_of, run_manifest, wait_for

ITERATIONS = 50


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.fixture
def operator_process(
    kubeconfig_path: Path, namespace: str, emulator: Any, tmp_path: Path
) -> Iterator[OperatorProcess]:
    launcher = OperatorProcess(kubeconfig_path, namespace, emulator.url, tmp_path)
    yield launcher
    launcher.stop()  # a test that failed mid-way must not leave its latest operator running


def test_run_started_once_when_operator_killed_during_start(
    kube: Kube, start_operator: Any, operator_process: OperatorProcess, emulator: Any, sagemaker_client: Any
) -> None:
    in_process = start_operator()  # makes the Pipeline Ready, then leaves the field to the subprocesses
    pipeline = kube.ready_pipeline()
    in_process.stop()
    emulator.configure(latency_seconds={"StartPipelineExecution": 0.3})
    rng = random.Random(20260101)
    names = []
    for i in range(ITERATIONS):
        name = f"kill-{i:02d}"
        names.append(name)
        kube.create(run_manifest(name))
        process = operator_process.spawn()
        if i % 2 == 0:
            # Aim at the start itself: Starting is written, the call is (or is about to be) in flight.
            wait_for(
                lambda n=name: (
                    kube.status("PipelineRun", n).get("phase") in ("Starting", "Executing", "Succeeded")
                ),
                timeout=30,
                every=0.02,
                what=f"{name} starting",
            )
            time.sleep(rng.uniform(0.0, 0.5))
        else:
            time.sleep(rng.uniform(0.3, 2.5))  # anywhere: before login, listing, start, polling
        kill(process)

    final = operator_process.spawn()
    try:
        wait_for(
            lambda: all(kube.status("PipelineRun", n).get("phase") == "Succeeded" for n in names),
            timeout=120,
            what="every run Succeeded after the last restart",
        )
        executions = executions_of(sagemaker_client, pipeline["pipelineName"])
        by_name: dict[str, list[str]] = {}
        for execution in executions:
            by_name.setdefault(execution["PipelineExecutionDisplayName"], []).append(
                execution["PipelineExecutionArn"]
            )
        duplicates = {n: arns for n, arns in by_name.items() if len(arns) != 1}
        assert duplicates == {}
        assert sorted(by_name) == sorted(names)
        for name in names:
            assert by_name[name] == [kube.status("PipelineRun", name)["executionArn"]]
        assert emulator.counters()["executions"]["started"] == ITERATIONS
        # The interesting crashes happened: some runs were answered more than once under their
        # token, i.e. a restarted operator replayed a start whose first answer it never saw.
        answered: dict[str, int] = {}
        for call in emulator.calls("StartPipelineExecution"):
            if call["status"] == 200:
                token = call["request"]["ClientRequestToken"]
                answered[token] = answered.get(token, 0) + 1
        replayed = sum(1 for count in answered.values() if count > 1)
        print(f"\n{ITERATIONS} kills: {replayed} runs resumed in Starting and were answered by token replay")
        assert len(answered) == ITERATIONS and replayed >= 1
        for name in names:  # leave no finalizers behind for the namespace's deletion
            kube.delete("PipelineRun", name)
        wait_for(lambda: not kube.list("PipelineRun"), timeout=60, what="runs deleted")
    finally:
        final.terminate()
        final.wait(timeout=30)

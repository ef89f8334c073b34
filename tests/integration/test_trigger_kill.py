"""Exactly one PipelineRun per SQS event, whatever crashes: `smpo run` as a separate process is
SIGKILLed right after it created a message's run (seen through a watch, so mostly before it
deleted the message), 20 times; the queue redelivers and the restarted operator must find the
run, not make a second one."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from kubernetes import client, watch

from tests.fixtures.operator_process import OperatorProcess, kill
from tests.fixtures.runs import GROUP, VERSION, Kube, wait_for
from tests.integration.test_trigger_sqs import eventbridge, messages_left, runs_of, trigger_manifest

ITERATIONS = 20
EVENT_ANNOTATION = "sagemaker.pipelines.dev/trigger-event"


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.fixture
def launcher(
    kubeconfig_path: Any, namespace: str, emulator: Any, sqs_client: Any, tmp_path: Any
) -> Iterator[OperatorProcess]:
    """`smpo run` launcher whose environment (copied now) points SQS at moto and SageMaker at the emulator."""
    launched = OperatorProcess(kubeconfig_path, namespace, emulator.url, tmp_path)
    yield launched
    launched.stop()  # a test that failed mid-way must not leave its latest operator running


def wait_for_new_run(kube_api: client.ApiClient, namespace: str, version: str, timeout: float) -> bool:
    """True as soon as the watch shows a PipelineRun created after `version`."""
    stream = watch.Watch().stream(
        client.CustomObjectsApi(kube_api).list_namespaced_custom_object,
        GROUP,
        VERSION,
        namespace,
        "pipelineruns",
        resource_version=version,
        timeout_seconds=int(timeout),
    )
    return any(event["type"] == "ADDED" for event in stream)


def test_one_run_per_event_when_operator_killed_between_create_and_delete(
    kube: Kube, kube_api: client.ApiClient, start_operator: Any, launcher: OperatorProcess, sqs_client: Any
) -> None:
    namespace, tmp_path = kube.namespace, launcher.log_dir
    in_process = start_operator()  # makes the Pipeline Ready, then leaves the field to the subprocesses
    kube.ready_pipeline()
    in_process.stop()
    url = sqs_client.create_queue(QueueName="kill-events", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    kube.create(trigger_manifest(url, concurrencyPolicy="Allow", successfulRunsHistoryLimit=100))
    rng = random.Random(20261201)
    for i in range(ITERATIONS):
        version = client.CustomObjectsApi(kube_api).list_namespaced_custom_object(
            GROUP, VERSION, namespace, "pipelineruns"
        )["metadata"]["resourceVersion"]
        process = launcher.spawn()
        sqs_client.send_message(QueueUrl=url, MessageBody=eventbridge(f"kill-{i}", datetime.now(UTC)))
        assert wait_for_new_run(kube_api, namespace, version, timeout=60), f"no run for kill-{i}"
        time.sleep(rng.choice([0.0, 0.0, 0.0, rng.uniform(0.0, 0.05)]))
        kill(process)

    final = launcher.spawn()
    try:
        wait_for(lambda: messages_left(sqs_client, url) == 0, timeout=120, what="every message handled")
        runs = runs_of(kube)
        events = sorted(r["metadata"]["annotations"][EVENT_ANNOTATION] for r in runs)
        assert events == sorted(f"eventbridge:kill-{i}" for i in range(ITERATIONS))
        # The interesting crashes happened: some messages outlived their run's creation and were
        # delivered again, and the restarted operator found the run instead of creating another.
        logs = [p.read_text(errors="replace") for p in sorted(tmp_path.glob("operator-*.log"))]
        redelivered = sum(log.count("whose run exists already") for log in logs)
        print(
            f"\n{ITERATIONS} kills: {redelivered} batches held messages redelivered after their run existed"
        )
        assert redelivered >= 1
        for run in runs:  # leave no finalizers behind for the namespace's deletion
            kube.delete("PipelineRun", run["metadata"]["name"])
        wait_for(lambda: not kube.list("PipelineRun"), timeout=60, what="runs deleted")
    finally:
        final.terminate()
        final.wait(timeout=30)

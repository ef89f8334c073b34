"""Replicas: two `smpo run` processes peering through a KopfPeering on the real API server; the
active one is SIGKILLed while runs start, again and again, and restarted as a kubelet would.
Each run must get exactly one execution, the standby must take over, and the restarted replica
must stand by instead of taking the lead back (kopf priorities: the oldest live replica leads).
Every replica signs its SageMaker calls with its own access key, so the emulator's call log
shows who wrote: one replica at a time, never two interleaved."""

from __future__ import annotations

import itertools
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.operator_process import OperatorProcess, kill
from tests.fixtures.runs import Kube, definition, executions_of, pipeline_manifest, run_manifest, wait_for

KILLS = 5
"""Scaled for make test; `make bench` kills the leader 20 times."""
PEERING = "smpo-replicas"
LIFETIME_SECONDS = 4
"""kopf's peer lifetime: a SIGKILLed leader counts as dead this long after its last heartbeat."""
STARTED = ("Starting", "Executing", "Succeeded")


@dataclass
class Replica:
    """One replica slot (a Deployment's pod): restarted under a new identity after each kill."""

    letter: str
    launcher: OperatorProcess
    spawns: int = 0
    identities: list[str] = field(default_factory=list)

    def spawn(self) -> None:
        self.spawns += 1
        identity = f"replica-{self.letter}-{self.spawns:02d}"
        self.identities.append(identity)
        self.launcher.env["POD_ID"] = identity  # kopf names a peer after its pod
        self.launcher.env["AWS_ACCESS_KEY_ID"] = access_key(identity)
        self.launcher.spawn()

    @property
    def identity(self) -> str:
        return self.identities[-1]


def access_key(identity: str) -> str:
    return "AKID" + identity.upper().replace("-", "")


def replica(letter: str, kubeconfig: Path, namespace: str, emulator_url: str, logs: Path) -> Replica:
    (logs / letter).mkdir()
    launcher = OperatorProcess(kubeconfig, namespace, emulator_url, logs / letter)
    launcher.command.remove("--standalone")
    launcher.command += ["--peering", PEERING, "--peering-lifetime-seconds", str(LIFETIME_SECONDS)]
    return Replica(letter, launcher)


def leader(kube: Kube) -> str | None:
    """The identity kopf lets work: the highest priority among live peers (None while unclear)."""
    try:
        peering = kube.api.get_namespaced_custom_object(
            "kopf.dev", "v1", kube.namespace, "kopfpeerings", PEERING
        )
    except client.ApiException as e:
        if e.status == 404:  # not created yet: the replicas' preflight creates it
            return None
        raise
    now = time.time()
    live = {
        identity: info["priority"]
        for identity, info in (peering.get("status") or {}).items()
        if isinstance(info, dict) and _lastseen(info) + info["lifetime"] > now
    }
    return max(live, key=lambda i: live[i]) if len(live) == 2 else None


def _lastseen(info: dict[str, Any]) -> float:
    return datetime.fromisoformat(info["lastseen"]).timestamp()


@dataclass(frozen=True)
class ReplicaFigures:
    kills: int
    runs: int
    takeovers: list[float]
    replayed: int
    writers: list[str]

    def line(self) -> str:
        return (
            f"replicas: {self.kills} SIGKILLs of the leader while runs started, {self.runs} runs, "
            f"one execution each; standby took over in {statistics.median(self.takeovers):.1f}s "
            f"median, {max(self.takeovers):.1f}s at most (peer lifetime {LIFETIME_SECONDS}s); "
            f"{self.replayed} starts replayed by token after a kill; {len(self.writers)} writer "
            f"stretches, one replica each"
        )


def kill_the_leader(
    kube: Kube, emulator: Any, sagemaker_client: Any, replicas: tuple[Replica, Replica], *, kills: int
) -> ReplicaFigures:
    """SIGKILL the leader `kills` times while runs start; returns the figures after asserting
    one execution per run, a standby takeover each time and one writer at a time."""
    emulator.configure(latency_seconds={"StartPipelineExecution": 0.3})
    rng = random.Random(20261202)
    for r in replicas:
        r.spawn()
    # Two replicas started at once both work until each has read the other's first heartbeat
    # (kopf's peering is no lease; decision 0046): the scenario starts, as a rollout's would,
    # once both are up and one leads.
    wait_for(lambda: leader(kube), timeout=60, what="one leader among two freshly started replicas")
    kube.create(pipeline_manifest("train", definition()))
    wait_for(lambda: kube.condition("Pipeline", "train", "Ready").get("status") == "True", timeout=60)
    runs: list[str] = []
    takeovers: list[float] = []
    for k in range(kills):
        current = wait_for(lambda: leader(kube), timeout=60, what="one leader among two live replicas")
        active, standby = replicas if current == replicas[0].identity else replicas[::-1]
        assert current == active.identity, f"leader {current} is none of {[r.identity for r in replicas]}"
        names, takeover = _kill_while_starting(kube, rng, active, f"k{k:02d}")
        runs += names
        takeovers.append(takeover)
        new_leader = wait_for(lambda: leader(kube), timeout=60, what="a leader after the takeover")
        assert new_leader == standby.identity, f"the restarted replica {new_leader} took the lead back"
    wait_for(
        lambda: all(kube.status("PipelineRun", n).get("phase") == "Succeeded" for n in runs),
        timeout=120,
        what="every run Succeeded",
    )
    replayed = _assert_one_execution_per_run(kube, emulator, sagemaker_client, runs)
    writers = _writer_stretches(emulator)
    assert len(writers) == len(set(writers)), f"two replicas wrote interleaved: {writers}"
    prove_operator_alive(kube.api.api_client, kube.namespace)
    return ReplicaFigures(
        kills=kills, runs=len(runs), takeovers=takeovers, replayed=replayed, writers=writers
    )


def _kill_while_starting(
    kube: Kube, rng: random.Random, active: Replica, prefix: str
) -> tuple[list[str], float]:
    """Two runs, the leader killed while they start and restarted; a third run proves the standby
    took over. Returns the runs' names and the seconds from the kill to the third run's start."""
    first, second, probe = f"{prefix}-0", f"{prefix}-1", f"{prefix}-after"
    for name in (first, second):
        kube.create(run_manifest(name))
    wait_for(lambda: kube.status("PipelineRun", first).get("phase") in STARTED, every=0.02, timeout=60)
    time.sleep(rng.uniform(0.0, 0.4))  # the second run's start is in flight, or about to be
    assert active.launcher.process is not None
    kill(active.launcher.process)
    killed_at = time.monotonic()
    active.spawn()  # the kubelet restarts the pod: a new identity, started after the survivor
    kube.create(run_manifest(probe))
    wait_for(
        lambda: kube.status("PipelineRun", probe).get("phase") in STARTED,
        timeout=60 + 4 * LIFETIME_SECONDS,
        every=0.05,
        what=f"{probe} started by the standby",
    )
    return [first, second, probe], time.monotonic() - killed_at


def _assert_one_execution_per_run(kube: Kube, emulator: Any, sagemaker_client: Any, runs: list[str]) -> int:
    by_run = Counter(e["PipelineExecutionDisplayName"] for e in executions_of(sagemaker_client, "train"))
    assert {n: c for n, c in by_run.items() if c != 1} == {}, "runs with more than one execution"
    assert sorted(by_run) == sorted(runs)
    arns = {e["PipelineExecutionArn"] for e in executions_of(sagemaker_client, "train")}
    assert arns == {kube.status("PipelineRun", n)["executionArn"] for n in runs}
    answered = Counter(
        call["request"]["ClientRequestToken"]
        for call in emulator.calls("StartPipelineExecution")
        if call["status"] == 200
    )
    assert len(answered) == len(runs)
    return sum(1 for count in answered.values() if count > 1)


def _writer_stretches(emulator: Any) -> list[str]:
    """The access keys of all SageMaker calls in time order, runs of one key collapsed."""
    keys = [c["access_key_id"] for c in sorted(emulator.calls(), key=lambda c: c["time"])]
    return [key for key, _ in itertools.groupby(keys)]


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.mark.timeout(600)
def test_one_execution_per_run_when_the_leader_is_killed_while_runs_start(
    kube: Kube, kubeconfig_path: Path, emulator: Any, sagemaker_client: Any, tmp_path: Path
) -> None:
    a = replica("a", kubeconfig_path, kube.namespace, emulator.url, tmp_path)
    b = replica("b", kubeconfig_path, kube.namespace, emulator.url, tmp_path)
    try:
        figures = kill_the_leader(kube, emulator, sagemaker_client, (a, b), kills=KILLS)
        print(f"\n{figures.line()}")
    finally:
        stop_replicas(kube, a, b)


def stop_replicas(kube: Kube, *replicas: Replica) -> None:
    """Remove our objects while a replica still runs (finalizers), then stop both."""
    for run in kube.list("PipelineRun"):
        kube.delete("PipelineRun", run["metadata"]["name"])
    for pipeline in kube.list("Pipeline"):
        kube.delete("Pipeline", pipeline["metadata"]["name"])
    try:
        wait_for(lambda: not kube.list("PipelineRun") and not kube.list("Pipeline"), timeout=60)
    finally:
        for r in replicas:
            r.launcher.stop()

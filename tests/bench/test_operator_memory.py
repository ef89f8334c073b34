"""Operator memory benchmarks (`make bench`, issue 20): RSS of `smpo run` against the number of
PipelineRun objects it has handled, and where the heap goes. Figures are printed, never asserted.

Objects are created cancelled, so each costs the operator a watch event, a handler pass and one
status write, but no SageMaker call. They arrive in steps [SMPO_BENCH_RSS_STEP, default 1,000],
each created as fast as the API server takes it; after each step the bench waits until every
object is handled and kopf's per-object workers have exited, then reads RSS, so growth per object
is a figure. The total is SMPO_BENCH_OBJECTS (5,000); SMPO_BENCH_OBJECT_LIMITS lists the
`--max-concurrent-objects` values to run with (default "0,40"; 0 is kopf's unlimited default).
SMPO_BENCH_HEAP=1 runs the operator under tracemalloc instead and prints what grew between
the idle operator and the last step, by owning frame (RSS is then not the production figure).
"""

from __future__ import annotations

import os
import threading
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.heapdump import heap_growth, snapshot
from tests.fixtures.operator import AWS_TEST_ENV
from tests.fixtures.runs import GROUP, VERSION
from tests.fixtures.runstack import (
    PhaseWatch,
    cpu_seconds,
    emulator_process,
    operation_calls,
    operator_process,
    rss_mib,
    run_documents,
    wait_until,
)

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]

OBJECTS = int(os.environ.get("SMPO_BENCH_OBJECTS", "5000"))
STEP = int(os.environ.get("SMPO_BENCH_RSS_STEP", "1000"))
LIMITS = [int(v) for v in os.environ.get("SMPO_BENCH_OBJECT_LIMITS", "0,40").split(",")]
HEAP = os.environ.get("SMPO_BENCH_HEAP") == "1"
BUDGET = ("--aws-tps", "10", "--aws-burst", "10")
WORKERS_GONE_SECONDS = 8.0
"""kopf ends an object's worker 5 s after its last event (settings.queueing.idle_timeout); RSS is
read after that, so it holds what the operator keeps, not what is in flight."""
TOP = 15
IDLE_SECONDS = 30.0 if HEAP else 5.0
"""Until imports are done and the watches established (tracemalloc slows the start several-fold)."""


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(key, value)


class PeakRss:
    """The highest RSS of a process, sampled every `every` seconds in a thread."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, rss_mib(self.pid))


def create_runs(api: client.CustomObjectsApi, namespace: str, documents: list[dict[str, Any]]) -> None:
    def create(document: dict[str, Any]) -> object:
        return api.create_namespaced_custom_object(GROUP, VERSION, namespace, "pipelineruns", document)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, documents))


def handled(phases: PhaseWatch, count: int) -> Callable[[], bool]:
    return lambda: phases.count("Stopped") >= count


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: f"max-concurrent-objects-{limit}")
def test_operator_rss_against_objects_handled(
    kubeconfig_path: Path, kube_api: client.ApiClient, namespace: str, tmp_path: Path, limit: int
) -> None:
    api = client.CustomObjectsApi(kube_api)
    documents = run_documents(OBJECTS, ["bench-unused"], "obj", cancel=True)
    flags = (*BUDGET, "--max-concurrent-objects", str(limit))
    heap_file = tmp_path / "heap.snapshot" if HEAP else None
    rows: list[tuple[int, float, float, float]] = []  # handled, seconds, RSS, peak RSS so far
    with emulator_process(tmp_path / "events.jsonl", latency=0.02) as admin:
        with (
            operator_process(
                kubeconfig_path, namespace, admin.url, tmp_path / "op.log", *flags, heap_snapshot=heap_file
            ) as operator,
            PhaseWatch(kube_api, namespace) as phases,
            PeakRss(operator.pid) as peak,
        ):
            time.sleep(IDLE_SECONDS)  # imports done, watches established
            idle = rss_mib(operator.pid)
            before = snapshot(operator.pid, heap_file) if heap_file is not None else None
            during: tuple[tracemalloc.Snapshot, int] | None = None
            started = time.time()
            for start in range(0, OBJECTS, STEP):
                batch = documents[start : start + STEP]
                create_runs(api, namespace, batch)
                if heap_file is not None and during is None:
                    during = snapshot(operator.pid, heap_file), phases.count("Stopped")
                done = start + len(batch)
                wait_until(handled(phases, done), 1800, f"{done} runs handled")
                elapsed = time.time() - started
                time.sleep(WORKERS_GONE_SECONDS)
                rows.append((done, elapsed, rss_mib(operator.pid), peak.peak))
            after = snapshot(operator.pid, heap_file) if heap_file is not None else None
            cpu = cpu_seconds(operator.pid)
        calls = sum(operation_calls(admin).values())
    assert calls == 0  # cancelled before starting: no SageMaker call at all
    print(report(limit, idle, rows, cpu))
    if before is not None and during is not None:
        in_flight = min(STEP, OBJECTS) - during[1]
        print(f"\nin flight: first step created, {during[1]} of its objects handled")
        print(heap_report(before, during[0], in_flight))
    if before is not None and after is not None:
        print(f"\nafter the last step, {OBJECTS} objects handled, workers gone")
        print(heap_report(before, after, OBJECTS))


def report(limit: int, idle: float, rows: list[tuple[int, float, float, float]], cpu: float) -> str:
    bound = f"--max-concurrent-objects {limit}" if limit else "no --max-concurrent-objects (kopf unlimited)"
    lines = [
        f"\n--- operator memory, {OBJECTS} PipelineRun objects in steps of {STEP}, {bound}"
        f"{' (under tracemalloc)' if HEAP else ''}"
        "\n(created cancelled: watch event, handler pass and one status write each, no execution;"
        f" RSS read {WORKERS_GONE_SECONDS:g} s after a step's last object was handled)",
        f"idle: {idle:.0f} MiB",
        "objects | all handled after | RSS | peak RSS so far | growth per object in the step",
    ]
    previous_count, previous_rss = 0, idle
    for count, seconds, rss, high in rows:
        per_object = (rss - previous_rss) * 1024 / (count - previous_count)
        lines.append(
            f"{count:>7} | {seconds:>6.0f} s | {rss:>4.0f} MiB | {high:>4.0f} MiB | {per_object:>5.1f} KiB"
        )
        previous_count, previous_rss = count, rss
    last = rows[-1]
    lines.append(
        f"overall: {(last[2] - idle) * 1024 / last[0]:.1f} KiB per object; operator CPU {cpu:.0f} s in total"
    )
    return "\n".join(lines)


def heap_report(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, objects: int) -> str:
    grown = heap_growth(before, after)
    total = sum(g.size for g in grown)
    per_object = total / 1024 / objects
    lines = [f"traced heap growth: {total / 2**20:.1f} MiB ({per_object:.2f} KiB per object); top:"]
    for g in grown[:TOP]:
        lines.append(f"  {g.size / 2**20:7.2f} MiB {g.count:>8} blocks  {g.where}")
    return "\n".join(lines)

"""Fuzzing: hypothesis generates Pipeline and PipelineRun manifests (tests/integration/
manifest_strategies.py) that go through the real API server to the in-process operator. Whatever
the API server refuses must say why; whatever it accepts must end Ready (or started, for a run)
or Stalled with a precise message; the operator logs no unhandled exception; a canary applied
afterwards is still reconciled. Seeded (derandomized), so CI sees the same manifests every time."""

from __future__ import annotations

import copy
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.runs import FINAL, Kube, pipeline_manifest, wait_for
from tests.integration.manifest_strategies import PARAMETERS_OF_TARGET, pipeline_manifests, run_manifests

MANIFESTS = 150
"""Scaled for make test; `make bench` generates 1,000."""
TARGET = "fuzz-target"
STARTED = ("Starting", "Executing", *FINAL)
IMPRECISE = re.compile(r"Traceback|object at 0x|<class |\b[A-Z][a-zA-Z]*(Error|Exception)\(|NoneType|^\W*$")
OURS = ("kopf", "sagemaker_pipelines_operator", "sagemaker_pipelines_emulator")


class ErrorLog(logging.Handler):
    """Keeps every record at ERROR or with a traceback from the operator, kopf and the emulator."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(OURS) and (record.levelno >= logging.ERROR or record.exc_info):
            self.records.append(record)

    def lines(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()[:300]}" for r in self.records]


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@dataclass(frozen=True)
class FuzzFigures:
    generated: int
    refused: Counter[str]
    verdicts: Counter[str]
    messages: list[str]
    seconds: float

    def line(self) -> str:
        return (
            f"fuzzing: {self.generated} manifests applied and judged in {self.seconds:.1f}s; "
            f"API server refused {sum(self.refused.values())} "
            f"({dict(self.refused)}); of the accepted: {dict(self.verdicts)}; "
            f"{len(set(self.messages))} distinct Stalled messages, all precise; no unhandled exception"
        )


def generate(count: int) -> list[dict[str, Any]]:
    """`count` manifests, the same in every run. Drawn before the operator starts: hypothesis
    refuses to generate while another thread (boto's retry jitter) moves the global random."""
    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(pipeline_manifests(), pipeline_manifests(), run_manifests(TARGET)))
    def collect(manifest: dict[str, Any]) -> None:
        drawn.append(copy.deepcopy(manifest))

    collect()
    return drawn


def fuzz(
    kube: Kube, start_operator: Any, manifests: list[dict[str, Any]], error_log: ErrorLog
) -> FuzzFigures:
    """Apply `manifests`, then check every verdict (see the module docstring)."""
    # The production-like drift interval: at the fixture's 2 s, a thousand Pipelines' resync timers
    # fill kopf's worker pool and a canary waits behind them for more than its 30 s.
    start_operator(resync_seconds=60.0)
    kube.create(pipeline_manifest(TARGET, _target_definition()))
    wait_for(lambda: kube.condition("Pipeline", TARGET, "Ready").get("status") == "True", timeout=60)
    accepted: list[tuple[str, str]] = []
    refused: Counter[str] = Counter()
    began = time.monotonic()
    for manifest in manifests:
        try:
            kube.create(manifest)
        except ApiException as exc:
            refused[f"HTTP {exc.status}"] += 1
            assert exc.status in (400, 413, 422), exc
            assert json.loads(exc.body or "{}").get("message"), f"refused without a message: {exc}"
            continue
        accepted.append((manifest["kind"], manifest["metadata"]["name"]))
    verdicts = wait_for(
        lambda: _all_verdicts(kube, accepted),
        timeout=120 + len(manifests) / 5,
        what="a verdict on every object",
    )
    messages = [message for verdict, message in verdicts.values() if verdict == "Stalled"]
    seconds = time.monotonic() - began
    imprecise = sorted({m for m in messages if IMPRECISE.search(m) or len(m) > 2000})
    assert imprecise == [], f"Stalled without a precise message: {imprecise[:5]}"
    assert error_log.lines() == []
    prove_operator_alive(kube.api.api_client, kube.namespace)
    return FuzzFigures(
        generated=len(manifests),
        refused=refused,
        verdicts=Counter(f"{kind} {verdict}" for (kind, _), (verdict, _) in verdicts.items()),
        messages=messages,
        seconds=seconds,
    )


def _target_definition() -> dict[str, Any]:
    return {
        "Version": "2020-12-01",
        "Parameters": PARAMETERS_OF_TARGET,
        "Steps": [{"Name": "Prep", "Type": "Processing", "Arguments": {}}],
    }


def _all_verdicts(
    kube: Kube, accepted: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, str]] | None:
    """(kind, name) -> (Ready | Started | Stalled, message) once every object has one, else None.
    One listing per kind: a GET per object would take seconds per poll."""
    listed = {
        (kind, o["metadata"]["name"]): o for kind in ("Pipeline", "PipelineRun") for o in kube.list(kind)
    }
    verdicts = {}
    for key in accepted:
        verdict = _verdict(key[0], listed[key])
        if verdict is None:
            return None
        verdicts[key] = verdict
    return verdicts


def _verdict(kind: str, obj: dict[str, Any]) -> tuple[str, str] | None:
    status = obj.get("status") or {}
    conditions = {c["type"]: c for c in status.get("conditions") or []}
    current = status.get("observedGeneration") == obj["metadata"]["generation"]
    stalled = conditions.get("Stalled", {})
    if stalled.get("status") == "True" and current:
        return "Stalled", str(stalled.get("message", ""))
    if kind == "Pipeline":
        ready = conditions.get("Ready", {}).get("status") == "True" and current
        return ("Ready", "") if ready else None
    return ("Started", "") if status.get("phase") in STARTED else None


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


@pytest.mark.timeout(600)
def test_generated_manifests_end_ready_or_stalled_with_a_precise_message(
    kube: Kube, start_operator: Any, error_log: ErrorLog
) -> None:
    manifests = generate(MANIFESTS)
    figures = fuzz(kube, start_operator, manifests, error_log)
    print(f"\n{figures.line()}")
    for message in sorted(set(figures.messages))[:40]:
        print(f"  stalled: {message[:160]}")

"""docs/architecture.md names the function that decides each behaviour; every name it gives
must exist, so the page cannot drift from the code unnoticed."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
# `runs/plan/run.plan_run`, `runs/reconciler.RunReconciler.reconcile`: module path, then names.
REFERENCE = re.compile(r"`((?:[a-z_]+/)+[a-z_]+)\.([A-Za-z_][\w.]*)`")
BEHAVIOURS = ("start", "poll", "stop", "retry", "timeout", "TTL", "drift", "deletion", "schedule tick")


def references() -> list[tuple[str, str]]:
    return sorted(set(REFERENCE.findall(DOC.read_text(encoding="utf-8"))))


@pytest.mark.parametrize(("module", "name"), references(), ids=str)
def test_every_named_function_exists(module: str, name: str) -> None:
    target: object = importlib.import_module("sagemaker_pipelines_operator." + module.replace("/", "."))
    for part in name.split("."):
        assert hasattr(target, part), f"{module}.{name}: no {part}"
        target = getattr(target, part)


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_every_behaviour_has_a_row(behaviour: str) -> None:
    assert re.search(rf"^\| {re.escape(behaviour)}[ (|]", DOC.read_text(encoding="utf-8"), re.MULTILINE)

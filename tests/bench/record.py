"""Where `make bench` keeps its figures: one JSON file of points, each keyed by its scenario (mode,
runs, pipelines, step length), merged on write, so a run of one size replaces that point and keeps
the others. Each point says when, on what machine and at which commit it was measured."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

RECORD_ENV = "SMPO_BENCH_RECORD"
"""The file to merge into (`make bench` sets it to docs/benchmarks/run-tracking.json); unset, a
bench prints its figures and records nothing."""


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")), "unknown"
    )
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version()}


def _cpuinfo() -> list[str]:
    path = Path("/proc/cpuinfo")
    return path.read_text().splitlines() if path.exists() else []


def commit(record_file: Path) -> str:
    """The commit measured, marked when the tree had uncommitted changes to tracked files (other
    than the record itself)."""
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, check=False
    )
    changed = [line for line in dirty.stdout.splitlines() if not line.endswith(record_file.name)]
    return found.stdout.strip() + ("+changes" if changed else "")


def merge(points: list[dict[str, Any]], key: dict[str, Any], figures: dict[str, Any]) -> list[dict[str, Any]]:
    """`points` with the one of `key` replaced by (or extended with) `key` + `figures`, in key order."""
    kept = [p for p in points if {k: p.get(k) for k in key} != key]
    return sorted([*kept, {**key, **figures}], key=lambda p: [_order(p.get(k)) for k in key])


def _order(value: Any) -> tuple[int, float, str]:
    """Numbers in numeric order (10 before 50 before 200), then everything else by its text."""
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def record(key: dict[str, Any], figures: dict[str, Any]) -> Path | None:
    """Merge one point into the record file, if one is configured; returns the file written."""
    target = os.environ.get(RECORD_ENV)
    if not target:
        return None
    path = Path(target)
    points = json.loads(path.read_text())["points"] if path.exists() else []
    stamped = {
        **figures,
        "measured": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ"),
        "commit": commit(path),
        "machine": machine(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"about": "written by `make bench` (tests/bench/record.py); plotted by hack/bench/plot.py"}
    path.write_text(json.dumps({**document, "points": merge(points, key, stamped)}, indent=1) + "\n")
    return path

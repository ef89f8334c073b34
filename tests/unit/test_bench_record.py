"""How `make bench` merges a measured point into its record: one point per scenario key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench.record import RECORD_ENV, merge, record


def key(mode: str, pipelines: int) -> dict[str, object]:
    return {"scenario": "run-tracking", "mode": mode, "runs": 1000, "pipelines": pipelines}


@pytest.mark.parametrize(
    ("existing", "new", "expected_order"),
    [
        ([], key("events", 50), [("events", 50)]),
        ([{**key("events", 50), "calls": 1}], key("events", 10), [("events", 10), ("events", 50)]),
        ([{**key("events", 200), "calls": 1}], key("events", 50), [("events", 50), ("events", 200)]),
        ([{**key("polling", 10), "calls": 1}], key("events", 10), [("events", 10), ("polling", 10)]),
    ],
)
def test_points_stay_one_per_key_in_numeric_order(
    existing: list[dict[str, object]], new: dict[str, object], expected_order: list[tuple[str, int]]
) -> None:
    merged = merge(existing, new, {"calls": 2})
    assert [(p["mode"], p["pipelines"]) for p in merged] == expected_order


def test_a_new_measurement_replaces_the_old_one_of_its_key() -> None:
    merged = merge([{**key("events", 50), "calls": 1, "old_only": True}], key("events", 50), {"calls": 2})
    assert merged == [{**key("events", 50), "calls": 2}]


def test_record_writes_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RECORD_ENV, raising=False)
    assert record(key("events", 10), {"calls": 1}) is None
    target = tmp_path / "figures.json"
    monkeypatch.setenv(RECORD_ENV, str(target))
    record(key("events", 10), {"calls": 1})
    record(key("events", 200), {"calls": 3})
    record(key("events", 10), {"calls": 2})
    points = json.loads(target.read_text())["points"]
    assert [(p["pipelines"], p["calls"]) for p in points] == [(10, 2), (200, 3)]
    assert all(p["machine"]["cpus"] and p["measured"] and p["commit"] for p in points)

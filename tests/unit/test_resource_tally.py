"""smpo_resources: the condition a resource is counted under, and the tally moving with it."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.metrics import REGISTRY, RESOURCE_CONDITIONS
from sagemaker_pipelines_operator.observability.tally import ResourceTally, condition_of


def conditions(**states: str) -> dict[str, Any]:
    return {"conditions": [{"type": t, "status": s} for t, s in states.items()]}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, "Unknown"),
        ({}, "Unknown"),
        ({"conditions": None}, "Unknown"),
        (conditions(Ready="True", Reconciling="False", Stalled="False"), "Ready"),
        (conditions(Ready="False", Reconciling="True", Stalled="False"), "Reconciling"),
        (conditions(Ready="False", Reconciling="False", Stalled="True"), "Stalled"),
        (conditions(Ready="False", Reconciling="False", Stalled="False"), "Unknown"),
        (conditions(Ready="Unknown"), "Unknown"),
        # kstatus never sets both, but a hand edit might: Ready wins, then Stalled.
        (conditions(Ready="True", Stalled="True"), "Ready"),
        (conditions(Reconciling="True", Stalled="True"), "Stalled"),
        ({"conditions": ["garbage", {"type": "Ready"}]}, "Unknown"),
    ],
)
def test_condition_of(status: dict[str, Any] | None, expected: str) -> None:
    assert condition_of(status) == expected


def gauge(kind: str, condition: str) -> float | None:
    value: float | None = REGISTRY.get_sample_value("smpo_resources", {"kind": kind, "condition": condition})
    return value


def test_every_series_exists_at_zero_from_import() -> None:
    for condition in RESOURCE_CONDITIONS:
        assert gauge("PipelineSchedule", condition) is not None


def test_tally_moves_a_resource_between_conditions_and_forgets_it() -> None:
    tally = ResourceTally()
    tally.observe_status("UnitKind", "a", None)
    tally.observe_status("UnitKind", "b", conditions(Reconciling="True"))
    assert tally.counts() == {("UnitKind", "Unknown"): 1, ("UnitKind", "Reconciling"): 1}
    tally.observe_status("UnitKind", "a", conditions(Ready="True"))
    tally.observe_status("UnitKind", "b", conditions(Ready="True"))
    tally.observe_status("UnitKind", "b", conditions(Ready="True"))  # repeated events count once
    assert tally.counts() == {("UnitKind", "Ready"): 2}
    assert (gauge("UnitKind", "Ready"), gauge("UnitKind", "Reconciling")) == (2, 0)
    tally.forget("a")
    tally.forget("unknown-uid")
    assert gauge("UnitKind", "Ready") == 1
    tally.forget_all()
    assert tally.counts() == {} and gauge("UnitKind", "Ready") == 0


def test_count_reads_one_kind_and_condition() -> None:
    tally = ResourceTally()
    assert tally.count(("CountKind", "Ready")) == 0
    tally.observe_status("CountKind", "x", conditions(Ready="True"))
    tally.observe_status("OtherKind", "y", conditions(Ready="True"))
    assert (tally.count(("CountKind", "Ready")), tally.count(("CountKind", "Stalled"))) == (1, 0)
    tally.forget_all()

"""The expected-success-interval annotation: duration parsing and the exported gauge."""

from __future__ import annotations

import pytest

from sagemaker_pipelines_operator.metrics import REGISTRY
from sagemaker_pipelines_operator.observability.intervals import (
    EXPECTED_INTERVAL_ANNOTATION,
    expected_interval,
    export_expected_interval,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6h", 21600.0),
        ("1d", 86400.0),
        ("1w", 604800.0),
        ("90m", 5400.0),
        ("45s", 45.0),
        ("1h30m", 5400.0),
        ("1d12h", 129600.0),
        ("1.5h", 5400.0),
        (".5m", 30.0),
        ("1500ms", 1.5),
        (" 2h ", 7200.0),
    ],
    ids=repr,
)
def test_durations_parse_to_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    ["", "6", "h", "6 h", "-1h", "0s", "0h0m", "1y", "1h-30m", "one day", "6H", "1d 2h", "P1D"],
    ids=repr,
)
def test_invalid_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_annotation_absent_means_no_expectation() -> None:
    assert expected_interval(None) is None
    assert expected_interval({"other": "1d"}) is None
    assert expected_interval({EXPECTED_INTERVAL_ANNOTATION: "1d"}) == 86400.0


def gauge_value(namespace: str, pipeline: str) -> float | None:
    return REGISTRY.get_sample_value(
        "smpo_pipeline_expected_success_interval_seconds", {"namespace": namespace, "pipeline": pipeline}
    )


def test_export_sets_then_clears_the_gauge() -> None:
    ns, name = "unit-intervals", "retrain"
    assert export_expected_interval(ns, name, {EXPECTED_INTERVAL_ANNOTATION: "6h"}) is None
    assert gauge_value(ns, name) == 21600.0
    assert export_expected_interval(ns, name, {}) is None
    assert gauge_value(ns, name) is None


def test_invalid_annotation_clears_the_gauge_and_says_why() -> None:
    ns, name = "unit-intervals", "fraud"
    export_expected_interval(ns, name, {EXPECTED_INTERVAL_ANNOTATION: "1d"})
    problem = export_expected_interval(ns, name, {EXPECTED_INTERVAL_ANNOTATION: "daily"})
    assert problem is not None
    assert EXPECTED_INTERVAL_ANNOTATION in problem and "'daily'" in problem
    assert gauge_value(ns, name) is None

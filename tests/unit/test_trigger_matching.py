"""Trigger filters, alert label selectors, parameters from events, and run names from event ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.trigger import TriggerFilter
from sagemaker_pipelines_operator.reconcile.envelopes import TriggerEvent
from sagemaker_pipelines_operator.triggers.matching import (
    ParameterError,
    extract_parameters,
    labels_match,
    passes_filter,
)
from sagemaker_pipelines_operator.triggers.naming import RUN_NAME_MAX, event_key, run_name

DNS_1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def s3_event(key: str | None, size: int = 10, **native: Any) -> TriggerEvent:
    s3 = {"bucket": "data", "key": key, "size": size, "etag": "e"} if key is not None else None
    document = {"id": "x", "time": None, "source": "s3", "s3": s3, "event": native}
    return TriggerEvent(id="x", time=None, document=document, detail="d", s3_key=key)


@pytest.mark.parametrize(
    ("filter_", "event", "passes"),
    [
        pytest.param({}, s3_event("a.csv"), True, id="no-filter"),
        pytest.param({"s3": {"prefix": "in/"}}, s3_event("in/a.csv"), True, id="prefix-match"),
        pytest.param({"s3": {"prefix": "in/"}}, s3_event("out/a.csv"), False, id="prefix-miss"),
        pytest.param({"s3": {"suffix": ".parquet"}}, s3_event("in/a.csv"), False, id="suffix-miss"),
        pytest.param({"s3": {"prefix": "in/", "suffix": ".csv"}}, s3_event("in/a.csv"), True, id="both"),
        pytest.param({"s3": {}}, s3_event(None), False, id="s3-filter-on-non-s3-event"),
        pytest.param({"expression": "s3.size > `5`"}, s3_event("a", size=10), True, id="expr-true"),
        pytest.param({"expression": "s3.size > `5`"}, s3_event("a", size=1), False, id="expr-false"),
        pytest.param({"expression": "event.missing"}, s3_event("a"), False, id="expr-null-is-false"),
        pytest.param({"expression": "event.list"}, s3_event("a", list=[]), False, id="expr-empty-list-false"),
        pytest.param({"expression": "s3.size"}, s3_event("a", size=0), True, id="expr-zero-is-true"),
        pytest.param(
            {"s3": {"prefix": "in/"}, "expression": "s3.size > `5`"},
            s3_event("in/a", size=1),
            False,
            id="all-filters-must-pass",
        ),
    ],
)
def test_filter(filter_: dict[str, Any], event: TriggerEvent, passes: bool) -> None:
    assert passes_filter(TriggerFilter.model_validate(filter_), event) is passes


@pytest.mark.parametrize(
    ("selector", "labels", "match"),
    [
        pytest.param({}, {"alertname": "X"}, True, id="empty-selector"),
        pytest.param(
            {"alertname": "ModelQualityLow"}, {"alertname": "ModelQualityLow", "m": "a"}, True, id="hit"
        ),
        pytest.param({"alertname": "ModelQualityLow"}, {"alertname": "Other"}, False, id="other-value"),
        pytest.param({"model": "fraud"}, {"alertname": "X"}, False, id="missing-label"),
    ],
)
def test_alert_label_selector(selector: dict[str, str], labels: dict[str, str], match: bool) -> None:
    assert labels_match(selector, labels) is match


@pytest.mark.parametrize(
    ("expressions", "expected"),
    [
        pytest.param({"Key": "s3.key"}, {"Key": "in/a.csv"}, id="string"),
        pytest.param(
            {"Uri": "join('', ['s3://', s3.bucket, '/', s3.key])"}, {"Uri": "s3://data/in/a.csv"}, id="join"
        ),
        pytest.param({"Size": "s3.size"}, {"Size": "10"}, id="number-as-json"),
        pytest.param({"Big": "s3.size > `5`"}, {"Big": "true"}, id="boolean-as-json"),
        pytest.param({"Obj": "s3.{b: bucket}"}, {"Obj": '{"b":"data"}'}, id="object-compact-json"),
        pytest.param({"Missing": "event.nothing"}, {}, id="null-sets-nothing"),
    ],
)
def test_parameters_from_event(expressions: dict[str, str], expected: dict[str, str]) -> None:
    assert extract_parameters(expressions, s3_event("in/a.csv").document) == expected


def test_parameter_longer_than_sagemaker_allows_is_an_error() -> None:
    event = s3_event("k" * 2000)
    result = extract_parameters({"Key": "s3.key"}, event.document)
    assert isinstance(result, ParameterError)
    assert "2000 characters" in result.message


@pytest.mark.parametrize(
    "trigger_name",
    [
        pytest.param("retrain", id="short"),
        pytest.param("a" * 253, id="longest-object-name"),
        pytest.param("data.events.v2", id="dots"),
        pytest.param("x" * 46 + "-" + "y" * 10, id="cut-at-hyphen"),
    ],
)
def test_run_name_is_a_bounded_dns_label(trigger_name: str) -> None:
    name = run_name(trigger_name, "uid-1", "event:e-1")
    assert len(name) <= RUN_NAME_MAX
    assert DNS_1123_LABEL.match(name), name


def test_run_name_is_deterministic_and_distinct_per_event_and_trigger() -> None:
    assert run_name("t", "uid-1", "event:a") == run_name("t", "uid-1", "event:a")
    names = {run_name("t" * 60, "uid-1", f"event:{i}") for i in range(10_000)}
    assert len(names) == 10_000  # a long name is cut, the hash still tells events apart
    assert run_name("t", "uid-1", "event:a") != run_name("t", "uid-2", "event:a")


@pytest.mark.parametrize(
    ("window", "times", "same"),
    [
        pytest.param(None, ("10:00:00", "10:00:01"), False, id="no-debounce-per-event"),
        pytest.param(300, ("10:00:00", "10:04:59"), True, id="same-window"),
        pytest.param(300, ("10:04:59", "10:05:00"), False, id="window-boundary"),
    ],
)
def test_debounce_window_names_one_run(window: int | None, times: tuple[str, str], same: bool) -> None:
    first, second = (datetime.fromisoformat(f"2026-12-01T{t}+00:00") for t in times)
    keys = event_key("a", first, window), event_key("b", second, window)
    assert (keys[0] == keys[1]) is same


def test_event_without_time_is_its_own_window() -> None:
    assert event_key("a", None, 300) == "event:a"
    assert event_key("a", datetime(2026, 1, 1, tzinfo=UTC), 300).startswith("window:300:")

"""plan_events: debounce, rate limit, concurrencyPolicy, suspend, dedupe, history and status counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.api.trigger import PipelineTrigger
from sagemaker_pipelines_operator.reconcile.envelopes import TriggerEvent
from sagemaker_pipelines_operator.triggers.plan import (
    OUTCOMES,
    TRIGGER_UID_LABEL,
    TriggerRun,
    malformed_decision,
    plan_events,
    record_decisions,
    runs_beyond_history,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def trigger(**spec: Any) -> PipelineTrigger:
    body = {
        "metadata": {"name": "retrain-on-upload", "namespace": "ml", "uid": "uid-1"},
        "spec": {
            "source": {"sqs": {"queueUrl": "https://sqs.eu-west-1.amazonaws.com/1/q"}},
            "runTemplate": {"spec": {"pipelineRef": {"name": "retrain"}, "parameters": {"Mode": "full"}}},
            **spec,
        },
    }
    return PipelineTrigger.model_validate(body)


def event(n: int, seconds: float = 0.0, key: str = "in/a.csv") -> TriggerEvent:
    s3 = {"bucket": "data", "key": key, "size": 1, "etag": "e"}
    return TriggerEvent(
        id=f"e-{n}",
        time=NOW + timedelta(seconds=seconds),
        document={"id": f"e-{n}", "s3": s3, "event": {}},
        detail=f"s3://data/{key}",
        s3_key=key,
    )


def outcomes(plan: Any) -> list[str]:
    return [d.outcome for d in plan.decisions]


def test_event_creates_an_owned_run_with_parameters_from_the_event() -> None:
    plan = plan_events(trigger(parameters={"Key": "s3.key"}), [event(1)], [], NOW)
    assert outcomes(plan) == ["started"]
    (manifest,) = plan.create
    assert manifest["spec"]["parameters"] == {"Mode": "full", "Key": "in/a.csv"}
    assert manifest["spec"]["pipelineRef"] == {"name": "retrain"}
    assert manifest["metadata"]["labels"][TRIGGER_UID_LABEL] == "uid-1"
    owner = manifest["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["uid"], owner["controller"]) == ("PipelineTrigger", "uid-1", True)
    assert [e.reason for e in plan.events] == ["Triggered"]


def test_redelivered_event_is_deduplicated_against_the_existing_run() -> None:
    first = plan_events(trigger(), [event(1)], [], NOW)
    name = first.create[0]["metadata"]["name"]
    again = plan_events(trigger(), [event(1)], [TriggerRun(name, NOW, PipelineRunPhase.EXECUTING)], NOW)
    assert outcomes(again) == ["deduplicated"]
    assert again.create == ()
    assert again.decisions[0].run == name


@pytest.mark.parametrize(
    ("window", "spacing", "count", "runs"),
    [
        pytest.param(None, 1.0, 10, 10, id="no-debounce-one-run-per-event"),
        pytest.param(60, 1.0, 1000, 17, id="1000-events-over-1000s-in-60s-windows"),
        pytest.param(3600, 0.1, 1000, 1, id="burst-within-one-window"),
    ],
)
def test_debounce_collapses_events_of_a_window(
    window: int | None, spacing: float, count: int, runs: int
) -> None:
    spec: dict[str, Any] = {"concurrencyPolicy": "Allow"}
    if window:
        spec["debounce"] = {"windowSeconds": window}
    plan = plan_events(trigger(**spec), [event(i, i * spacing) for i in range(count)], [], NOW)
    assert len(plan.create) == runs
    assert outcomes(plan).count("deduplicated") == count - runs


def test_rate_limit_counts_runs_of_the_last_hour() -> None:
    old = [TriggerRun(f"old-{i}", NOW - timedelta(hours=2), PipelineRunPhase.SUCCEEDED) for i in range(5)]
    recent = [TriggerRun("recent", NOW - timedelta(minutes=30), PipelineRunPhase.SUCCEEDED)]
    spec = {"rateLimit": {"runsPerHour": 3}, "concurrencyPolicy": "Allow"}
    plan = plan_events(trigger(**spec), [event(i) for i in range(4)], old + recent, NOW)
    assert outcomes(plan) == ["started", "started", "dropped_rate_limited", "dropped_rate_limited"]
    assert "3 runs started in the last hour" in plan.decisions[2].message


@pytest.mark.parametrize(
    ("policy", "expected", "cancel"),
    [
        pytest.param("Allow", ["started", "started"], (), id="allow"),
        pytest.param("Forbid", ["dropped_forbidden", "dropped_forbidden"], (), id="forbid"),
        pytest.param("Replace", ["started", "started"], ("active",), id="replace"),
    ],
)
def test_concurrency_policy_with_an_active_run(
    policy: str, expected: list[str], cancel: tuple[str, ...]
) -> None:
    runs = [
        TriggerRun("active", NOW, PipelineRunPhase.EXECUTING),
        TriggerRun("done", NOW, PipelineRunPhase.FAILED),
    ]
    plan = plan_events(trigger(concurrencyPolicy=policy), [event(1), event(2)], runs, NOW)
    assert outcomes(plan) == expected
    assert plan.cancel == (cancel if policy != "Replace" else ("active", plan.create[0]["metadata"]["name"]))


def test_forbid_drops_the_second_event_of_a_batch_while_the_first_run_is_new() -> None:
    plan = plan_events(trigger(), [event(1), event(2)], [], NOW)
    assert outcomes(plan) == ["started", "dropped_forbidden"]
    assert [e.reason for e in plan.events] == ["Triggered", "EventDropped"]


@pytest.mark.parametrize(
    ("spec", "outcome"),
    [
        pytest.param({"suspend": True}, "dropped_suspended", id="suspended"),
        pytest.param({"filter": {"s3": {"suffix": ".parquet"}}}, "filtered", id="filtered"),
        pytest.param({"parameters": {"Key": "join('', [s3.key, s3.key])"}}, "started", id="param-ok"),
    ],
)
def test_event_outcome(spec: dict[str, Any], outcome: str) -> None:
    assert outcomes(plan_events(trigger(**spec), [event(1)], [], NOW)) == [outcome]


def test_parameter_too_long_drops_the_event() -> None:
    plan = plan_events(trigger(parameters={"Key": "s3.key"}), [event(1, key="k" * 1100)], [], NOW)
    assert outcomes(plan) == ["dropped_invalid_parameters"]
    assert plan.create == ()


def test_status_counts_every_outcome() -> None:
    t = trigger(filter={"s3": {"prefix": "in/"}})
    plan = plan_events(t, [event(1), event(1), event(2, key="out/x"), event(3)], [], NOW)
    decisions = [*plan.decisions, malformed_decision("message body is not JSON", "m-9")]
    status = record_decisions(t.status, decisions, NOW)
    counts = status.counts
    assert (counts.received, counts.matched, counts.started, counts.deduplicated, counts.filtered) == (
        5,
        3,
        1,
        1,
        1,
    )
    assert counts.dropped == {"Forbidden": 1, "Malformed": 1}
    assert status.runs == 1
    assert status.last_run == plan.create[0]["metadata"]["name"]
    assert status.last_event is not None and status.last_event.outcome == "dropped_malformed"
    assert all(d.outcome in OUTCOMES for d in decisions)


def test_history_limits_keep_the_newest_finished_runs() -> None:
    def run(name: str, minutes: int, phase: PipelineRunPhase | None) -> TriggerRun:
        return TriggerRun(name, NOW - timedelta(minutes=minutes), phase)

    runs = [
        run("s-new", 1, PipelineRunPhase.SUCCEEDED),
        run("s-mid", 2, PipelineRunPhase.SUCCEEDED),
        run("s-old", 3, PipelineRunPhase.SUCCEEDED),
        run("f-new", 1, PipelineRunPhase.FAILED),
        run("f-old", 2, PipelineRunPhase.STOPPED),
        run("active", 9, PipelineRunPhase.EXECUTING),
    ]
    t = trigger(successfulRunsHistoryLimit=2, failedRunsHistoryLimit=1)
    assert runs_beyond_history(t, runs) == ["s-old", "f-old"]

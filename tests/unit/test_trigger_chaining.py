"""The pipelineRun source: which upstream runs are events, and from when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.trigger import PipelineRunSource
from sagemaker_pipelines_operator.triggers.chaining import creation_second_baseline, upstream_events

AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
SOURCE = PipelineRunSource.model_validate({"pipelineRef": {"name": "prep"}, "phases": ["Succeeded"]})


def run(
    name: str, phase: str, completed: str | None = "2026-12-01T10:00:00Z", pipeline: str = "prep"
) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase, "executionArn": f"arn:{name}"}
    if completed:
        status["completionTime"] = completed
    return {
        "metadata": {"name": name, "uid": f"uid-{name}"},
        "spec": {"pipelineRef": {"name": pipeline}},
        "status": status,
    }


@pytest.mark.parametrize(
    ("runs", "since", "names"),
    [
        pytest.param([run("a", "Succeeded")], None, ["a"], id="succeeded"),
        pytest.param([run("a", "Failed")], None, [], id="other-phase"),
        pytest.param([run("a", "Executing", completed=None)], None, [], id="not-finished"),
        pytest.param([run("a", "Succeeded", pipeline="other")], None, [], id="other-pipeline"),
        pytest.param(
            [run("a", "Succeeded")], datetime(2026, 12, 1, 11, tzinfo=UTC), [], id="before-creation"
        ),
        pytest.param(
            [run("a", "Succeeded")], datetime(2026, 12, 1, 10, tzinfo=UTC), ["a"], id="in-creation-second"
        ),
        pytest.param(
            [run("a", "Succeeded")], datetime(2026, 12, 1, 9, 59, 59, tzinfo=UTC), ["a"], id="after-creation"
        ),
        pytest.param(
            [run("late", "Succeeded", "2026-12-01T12:00:00Z"), run("early", "Succeeded")],
            None,
            ["early", "late"],
            id="oldest-first",
        ),
    ],
)
def test_upstream_runs_that_are_events(
    runs: list[dict[str, Any]], since: datetime | None, names: list[str]
) -> None:
    events = upstream_events(SOURCE, runs, since)
    assert [e.document["run"]["metadata"]["name"] for e in events] == names
    assert all(e.id.startswith("pipelineRun:uid-") for e in events)


@pytest.mark.parametrize(
    ("watermark", "names"),
    [
        pytest.param(datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC), [], id="before-watermark"),
        pytest.param(datetime(2026, 12, 1, 10, tzinfo=UTC), ["a"], id="at-watermark-kept-for-the-run-check"),
    ],
)
def test_watermark_keeps_handled_completions_out(watermark: datetime, names: list[str]) -> None:
    events = upstream_events(SOURCE, [run("a", "Succeeded")], None, watermark)
    assert [e.document["run"]["metadata"]["name"] for e in events] == names


@pytest.mark.parametrize(
    ("runs", "baseline", "names"),
    [
        pytest.param([run("a", "Succeeded")], [], ["a"], id="finished-after-the-first-look"),
        pytest.param([run("a", "Succeeded")], ["uid-a"], [], id="finished-before-the-first-look"),
        pytest.param(
            [run("a", "Succeeded", "2026-12-01T10:00:00.400Z")], [], ["a"], id="fraction-of-that-second"
        ),
        pytest.param(
            [run("a", "Succeeded", "2026-12-01T10:00:01Z")],
            ["uid-a"],
            ["a"],
            id="baseline-only-for-that-second",
        ),
    ],
)
def test_completion_in_the_creation_second_is_told_apart_by_the_baseline(
    runs: list[dict[str, Any]], baseline: list[str], names: list[str]
) -> None:
    events = upstream_events(SOURCE, runs, AT, None, baseline)
    assert [e.document["run"]["metadata"]["name"] for e in events] == names


@pytest.mark.parametrize(
    ("runs", "created", "uids"),
    [
        pytest.param([run("a", "Succeeded")], AT, ["uid-a"], id="finished-in-the-creation-second"),
        pytest.param(
            [run("a", "Succeeded", "2026-12-01T10:00:00.900Z")], AT, ["uid-a"], id="fraction-of-that-second"
        ),
        pytest.param([run("a", "Succeeded", "2026-12-01T09:59:59Z")], AT, [], id="earlier-second"),
        pytest.param([run("a", "Succeeded", "2026-12-01T10:00:01Z")], AT, [], id="later-second"),
        pytest.param([run("a", "Failed")], AT, [], id="other-phase"),
        pytest.param([run("a", "Succeeded", pipeline="other")], AT, [], id="other-pipeline"),
        pytest.param([run("a", "Succeeded")], None, [], id="no-creation-time"),
    ],
)
def test_baseline_holds_the_finishes_of_the_creation_second(
    runs: list[dict[str, Any]], created: datetime | None, uids: list[str]
) -> None:
    assert creation_second_baseline(SOURCE, runs, created) == uids


def test_event_document_is_the_upstream_run() -> None:
    (event,) = upstream_events(SOURCE, [run("a", "Succeeded")], None)
    assert event.document["run"]["status"]["executionArn"] == "arn:a"
    assert event.document["source"] == "pipelineRun"
    assert event.detail == "PipelineRun a Succeeded"


JOIN = PipelineRunSource.model_validate(
    {
        "pipelineRef": {"name": "prep"},
        "phases": ["Succeeded"],
        "join": {"variants": ["champion", "challenger"]},
    }
)


def arm(
    variant: str, phase: str, completed: str | None, scheduled: str = "2026-12-01T09:00:00Z"
) -> dict[str, Any]:
    body = run(f"nightly-{scheduled[11:13]}-{variant}", phase, completed)
    body["metadata"]["labels"] = {
        "sagemaker.pipelines.dev/schedule-uid": "s-1",
        "sagemaker.pipelines.dev/variant": variant,
    }
    body["metadata"]["annotations"] = {"sagemaker.pipelines.dev/scheduled-time": scheduled}
    return body


@pytest.mark.parametrize(
    ("runs", "events"),
    [
        pytest.param([arm("champion", "Succeeded", "2026-12-01T10:00:00Z")], 0, id="one-arm-finished"),
        pytest.param(
            [arm("champion", "Succeeded", "2026-12-01T10:00:00Z"), arm("challenger", "Executing", None)],
            0,
            id="other-arm-running",
        ),
        pytest.param(
            [
                arm("champion", "Succeeded", "2026-12-01T10:00:00Z"),
                arm("challenger", "Failed", "2026-12-01T10:01:00Z"),
            ],
            0,
            id="other-arm-failed",
        ),
        pytest.param(
            [
                arm("champion", "Succeeded", "2026-12-01T10:00:00Z"),
                arm("challenger", "Succeeded", "2026-12-01T10:01:00Z"),
            ],
            1,
            id="both-succeeded",
        ),
        pytest.param(
            [
                arm("champion", "Succeeded", "2026-12-01T10:00:00Z"),
                arm("challenger", "Succeeded", "2026-12-01T10:01:00Z", scheduled="2026-12-01T08:00:00Z"),
            ],
            0,
            id="arms-of-different-times",
        ),
    ],
)
def test_a_join_is_one_event_once_every_variant_of_a_time_finished(
    runs: list[dict[str, Any]], events: int
) -> None:
    assert len(upstream_events(JOIN, runs, None)) == events


def test_a_join_event_carries_each_variant_and_the_time_of_the_last_to_finish() -> None:
    champion = arm("champion", "Succeeded", "2026-12-01T10:05:00Z")
    challenger = arm("challenger", "Succeeded", "2026-12-01T10:01:00Z")
    (event,) = upstream_events(JOIN, [challenger, champion], None)
    assert event.id == "pipelineRun:join:s-1:2026-12-01T09:00:00Z"
    assert event.time == datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    assert event.document["runs"]["champion"]["metadata"]["name"] == champion["metadata"]["name"]
    assert event.document["runs"]["challenger"]["metadata"]["name"] == challenger["metadata"]["name"]
    assert event.document["scheduledTime"] == "2026-12-01T09:00:00Z"
    names = champion["metadata"]["name"], challenger["metadata"]["name"]
    assert event.detail == f"PipelineRuns {names[0]} Succeeded, {names[1]} Succeeded"
    # A pair completed before the trigger existed is history; its last finisher is the baseline.
    created = datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    assert creation_second_baseline(JOIN, [challenger, champion], created) == [champion["metadata"]["uid"]]
    assert (
        upstream_events(JOIN, [challenger, champion], created, baseline=[champion["metadata"]["uid"]]) == []
    )


def test_join_variants_are_unique_and_at_least_two() -> None:
    base = {"pipelineRef": {"name": "prep"}}
    with pytest.raises(ValueError, match="variants must be unique; repeated: a"):
        PipelineRunSource.model_validate({**base, "join": {"variants": ["a", "a"]}})
    with pytest.raises(ValueError, match="at least 2"):
        PipelineRunSource.model_validate({**base, "join": {"variants": ["a"]}})

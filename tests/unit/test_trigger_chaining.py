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

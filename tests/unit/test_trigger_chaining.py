"""The pipelineRun source: which upstream runs are events, and from when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.trigger import PipelineRunSource
from sagemaker_pipelines_operator.triggers.chaining import upstream_events

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
            [run("a", "Succeeded")], datetime(2026, 12, 1, 10, tzinfo=UTC), [], id="in-creation-second"
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


def test_event_document_is_the_upstream_run() -> None:
    (event,) = upstream_events(SOURCE, [run("a", "Succeeded")], None)
    assert event.document["run"]["status"]["executionArn"] == "arn:a"
    assert event.document["source"] == "pipelineRun"
    assert event.detail == "PipelineRun a Succeeded"

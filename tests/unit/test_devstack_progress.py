"""The demo's table, change lines and summary are built from plain objects."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.devstack.progress import (
    EXPECTED_PHASE_ANNOTATION,
    change_lines,
    pipeline_row,
    render_table,
    run_row,
    summary,
)


def run(
    name: str, phase: str | None, steps: str | None = None, expected: str | None = None
) -> dict[str, Any]:
    annotations = {EXPECTED_PHASE_ANNOTATION: expected} if expected else {}
    status: dict[str, Any] = {"phase": phase, "stepSummary": steps, "pipelineName": "fraud-detection"}
    if phase == "Failed":
        status["failureReason"] = "step 'AucTooLow' failed: Model AUC is below the threshold"
    return {
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"pipelineRef": {"name": "fraud-detection"}},
        "status": {k: v for k, v in status.items() if v is not None},
    }


PIPELINE = {
    "metadata": {"name": "fraud-detection"},
    "status": {
        "pipelineVersionId": 2,
        "latestRun": {"name": "r", "phase": "Executing"},
        "conditions": [{"type": "Ready", "status": "True", "message": "in sync"}],
    },
}


@pytest.mark.parametrize(
    ("phase", "expected", "as_expected"),
    [
        ("Succeeded", "Succeeded", True),
        ("Failed", "Failed", True),
        ("Failed", "Succeeded", False),
        ("Executing", "Succeeded", None),
        ("Succeeded", None, None),
    ],
)
def test_expectation(phase: str, expected: str | None, as_expected: bool | None) -> None:
    assert run_row(run("r", phase, "1/2", expected)).as_expected is as_expected


def test_table_shows_pipelines_runs_and_progress_bar() -> None:
    table = render_table([pipeline_row(PIPELINE)], [run_row(run("weekly", "Executing", "2/4"))], 12.0, 3)
    assert "fraud-detection" in table
    assert "weekly" in table
    assert "██████░░░░░░" in table
    assert "0/1 runs finished" in table


def test_pending_run_without_status() -> None:
    row = run_row({"metadata": {"name": "new"}, "spec": {"pipelineRef": {"name": "p"}}})
    assert (row.phase, row.steps, row.pipeline) == ("Pending", "-", "p")


def test_change_lines_only_on_change() -> None:
    rows = [run_row(run("weekly", "Executing", "1/4"))]
    first, seen = change_lines({}, rows, 1.0)
    again, _ = change_lines(seen, rows, 2.0)
    assert len(first) == 1
    assert again == []


def test_summary_names_failures_and_surprises() -> None:
    rows = [
        run_row(run("strict", "Failed", "5/6", "Failed")),
        run_row(run("weekly", "Failed", "5/6", "Succeeded")),
    ]
    text = summary([pipeline_row(PIPELINE)], rows)
    assert "1/1 pipelines Ready" in text
    assert "as expected" in text
    assert "UNEXPECTED (wanted Succeeded)" in text
    assert "AucTooLow" in text

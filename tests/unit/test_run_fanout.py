"""PipelineRun status of ForEach fan-outs: children folded into their ForEach step, bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunStatus
from sagemaker_pipelines_operator.runs.plan.steps import failure_reason, step_summary, steps_from_aws

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def entry(name: str, status: str, second: int, **extra: Any) -> dict[str, Any]:
    return {"StepName": name, "StepStatus": status, "StartTime": T0 + timedelta(seconds=second), **extra}


def child(index: int, status: str, reason: str | None = None) -> dict[str, Any]:
    context = {"ParentStepName": "PerRegion", "Index": index, "Item": f"region-{index}"}
    extra: dict[str, Any] = {"IterationContext": context, "Metadata": {"Lambda": {"Arn": "arn:aws:lambda:x"}}}
    if reason:
        extra["FailureReason"] = reason
    return entry(f"Score-{index}", status, 2, **extra)


def parent(status: str, **metadata: Any) -> dict[str, Any]:
    return entry("PerRegion", status, 1, Metadata={"ForEach": metadata})


def test_five_hundred_children_fold_into_one_bounded_step() -> None:
    entries = [entry("Prep", "Succeeded", 0, Metadata={"ProcessingJob": {"Arn": "arn:p"}})]
    entries.append(parent("Executing", InputItemCount=500, TotalStepCount=500, SucceededStepCount=480))
    entries += [child(i, "Succeeded") for i in range(480)] + [child(i, "Executing") for i in range(480, 500)]
    steps = steps_from_aws(entries)
    assert [(s.name, s.type, s.status) for s in steps] == [
        ("Prep", "Processing", "Succeeded"),
        ("PerRegion", "ForEach", "Executing"),
    ]
    progress = steps[1].for_each
    assert progress is not None
    assert (progress.items, progress.total_steps, progress.succeeded_steps, progress.running_steps) == (
        500,
        500,
        480,
        20,
    )
    assert step_summary(steps) == "1/2, PerRegion 480/500"
    status = PipelineRunStatus(steps=steps, step_summary=step_summary(steps))
    assert len(json.dumps(status.model_dump(mode="json", by_alias=True, exclude_none=True))) < 2_000


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        pytest.param({}, (3, 3, 2, 1), id="counts-from-children-without-metadata"),
        pytest.param(
            {"InputItemCount": 4, "TotalStepCount": 4, "SucceededStepCount": 2, "FailedStepCount": 1},
            (4, 4, 2, 1),
            id="counts-from-metadata",
        ),
    ],
)
def test_counts_prefer_the_metadata_and_fall_back_to_children(
    metadata: dict[str, Any], expected: tuple[int, int, int, int]
) -> None:
    entries = [
        parent("Failed", **metadata),
        child(0, "Succeeded"),
        child(1, "Succeeded"),
        child(2, "Failed", "x"),
    ]
    progress = steps_from_aws(entries)[0].for_each
    assert progress is not None
    assert (progress.items, progress.total_steps, progress.succeeded_steps, progress.failed_steps) == expected


def test_failed_fan_out_names_its_first_failed_children_at_most_five() -> None:
    failed = parent("Failed", Status="Failed")
    failed["FailureReason"] = "ForEach step 'PerRegion': 7 of 9 iteration steps failed"
    entries = [failed] + [child(i, "Failed", f"region {i} closed") for i in range(8, 1, -1)]
    steps = steps_from_aws(entries)
    progress = steps[0].for_each
    assert progress is not None
    assert [it.name for it in progress.failed_iterations] == [f"Score-{i}" for i in range(2, 7)]
    assert failure_reason(steps, None) == (
        "step 'PerRegion' (ForEach) failed: ForEach step 'PerRegion': 7 of 9 iteration steps failed; "
        "first failed: 'Score-2' (item 'region-2'): region 2 closed"
    )


def test_selector_pick_is_shown_as_the_child_step_name() -> None:
    entries = [parent("Succeeded", Status="Succeeded", Selector={"StepName": "Score", "Index": 3})]
    progress = steps_from_aws(entries)[0].for_each
    assert progress is not None and progress.selected == "Score-3"


def test_runs_without_fan_out_keep_their_summary() -> None:
    steps = steps_from_aws([entry("Prep", "Succeeded", 0), entry("Train", "Executing", 1)])
    assert step_summary(steps) == "1/2"
    assert all(step.for_each is None for step in steps)

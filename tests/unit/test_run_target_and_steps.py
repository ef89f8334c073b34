"""Which pipeline a run may start (resolve_target), how steps read in status, and poll cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled, Waiting
from sagemaker_pipelines_operator.runs.plan.polling import listing_window, poll_interval, steps_budget
from sagemaker_pipelines_operator.runs.plan.start import display_name, resolve_target
from sagemaker_pipelines_operator.runs.plan.steps import failure_reason, step_summary, steps_from_aws

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def run(spec: dict[str, Any], name: str = "nightly") -> PipelineRun:
    return PipelineRun.model_validate({"metadata": {"name": name, "uid": "u" * 36}, "spec": spec})


def pipeline(ready: str | None = "True", generation: int = 2, observed: int = 2, **status: Any) -> Pipeline:
    conditions = (
        []
        if ready is None
        else [
            {"type": "Ready", "status": ready, "reason": "X", "message": "m", "observedGeneration": observed}
        ]
    )
    return Pipeline.model_validate(
        {
            "metadata": {"name": "train", "generation": generation},
            "spec": {
                "roleArn": "arn:aws:iam::123456789012:role/SageMaker",
                "definition": {"inline": {"Version": "2020-12-01", "Steps": []}},
            },
            "status": {
                "conditions": conditions,
                "pipelineName": "train-sm",
                "region": "eu-west-1",
                "pipelineVersionId": 4,
                "definitionHash": "sha256:h",
                "parameters": [{"name": "Epochs", "type": "Integer", "default": "5"}],
                **status,
            },
        }
    )


REF = {"pipelineRef": {"name": "train"}}


@pytest.mark.parametrize(
    ("spec", "found", "allow", "error", "reason"),
    [
        pytest.param(REF, None, False, Waiting, c.PIPELINE_NOT_FOUND, id="pipeline-missing"),
        pytest.param(REF, pipeline(ready="False"), False, Waiting, c.WAITING_FOR_PIPELINE, id="not-ready"),
        pytest.param(REF, pipeline(ready=None), False, Waiting, c.WAITING_FOR_PIPELINE, id="no-status"),
        pytest.param(
            REF, pipeline(generation=3), False, Waiting, c.WAITING_FOR_PIPELINE, id="new-generation"
        ),
        pytest.param(
            {"pipelineName": "elsewhere"},
            None,
            False,
            Stalled,
            c.UNMANAGED_PIPELINE_NOT_ALLOWED,
            id="unmanaged",
        ),
    ],
)
def test_runs_wait_for_a_ready_pipeline_or_stall(
    spec: dict[str, Any], found: Pipeline | None, allow: bool, error: type[ReconcileError], reason: str
) -> None:
    with pytest.raises(error) as caught:
        resolve_target(run(spec), found, allow_unmanaged=allow, default_region="us-east-1")
    assert caught.value.reason == reason


def test_ready_pipeline_gives_its_sagemaker_name_region_version_and_parameters() -> None:
    target = resolve_target(run(REF), pipeline(), allow_unmanaged=False, default_region="us-east-1")
    assert (target.pipeline_name, target.region, target.version_id) == ("train-sm", "eu-west-1", 4)
    assert target.declared is not None and target.declared[0].name == "Epochs"
    assert target.pipeline_label == "train"


def test_unmanaged_pipeline_when_allowed_uses_the_default_region_and_no_parameter_check() -> None:
    target = resolve_target(
        run({"pipelineName": "other"}), None, allow_unmanaged=True, default_region="us-east-1"
    )
    assert (target.pipeline_name, target.region, target.declared) == ("other", "us-east-1", None)


@pytest.mark.parametrize(
    ("name", "spec", "expected"),
    [
        pytest.param("nightly-1", {}, "nightly-1", id="run-name"),
        pytest.param("a.b", {}, None, id="dots-not-allowed"),
        pytest.param("x" * 83, {}, None, id="too-long"),
        pytest.param("a.b", {"displayName": "Custom"}, "Custom", id="explicit"),
    ],
)
def test_display_name_defaults_to_the_run_name_when_sagemaker_allows(
    name: str, spec: dict[str, Any], expected: str | None
) -> None:
    assert display_name(run({**REF, **spec}, name=name)) == expected


def entry(name: str, status: str, minute: int, **extra: Any) -> dict[str, Any]:
    return {"StepName": name, "StepStatus": status, "StartTime": NOW + timedelta(minutes=minute), **extra}


def test_a_retried_step_shows_its_latest_attempt_once() -> None:
    steps = steps_from_aws(
        [
            entry("Train", "Failed", 0, AttemptCount=1, FailureReason="x"),
            entry("Prep", "Succeeded", -5),
            entry("Train", "Executing", 10, AttemptCount=2),
        ]
    )
    assert [(s.name, s.status, s.attempt) for s in steps] == [
        ("Prep", "Succeeded", None),
        ("Train", "Executing", 2),
    ]
    assert step_summary(steps) == "1/2"


def test_step_type_learned_earlier_is_kept_when_metadata_is_empty() -> None:
    first = steps_from_aws([entry("Train", "Executing", 0, Metadata={"TrainingJob": {"Arn": "arn:job"}})])
    later = steps_from_aws([entry("Train", "Executing", 0)], first)
    assert later[0].type == "Training"


@pytest.mark.parametrize(
    ("metadata", "outputs"),
    [
        pytest.param(
            {"Lambda": {"Arn": "arn:fn", "OutputParameters": [{"Name": "auc", "Value": "0.93"}]}},
            {"auc": "0.93"},
            id="lambda",
        ),
        pytest.param(
            {"Callback": {"CallbackToken": "t", "OutputParameters": [{"Name": "ok", "Value": ""}]}},
            {"ok": ""},
            id="callback-empty-value",
        ),
        pytest.param({"Lambda": {"Arn": "arn:fn"}}, {}, id="lambda-before-it-returned"),
        pytest.param({"TrainingJob": {"Arn": "arn:job"}}, {}, id="job-has-none"),
        pytest.param(
            {"Lambda": {"OutputParameters": [{"Name": f"k{i}", "Value": "v"} for i in range(60)]}},
            {f"k{i}": "v" for i in range(50)},
            id="capped-at-botocore-maximum",
        ),
    ],
)
def test_output_parameters_of_lambda_and_callback_steps_are_kept(
    metadata: dict[str, Any], outputs: dict[str, str]
) -> None:
    (step,) = steps_from_aws([entry("Step", "Succeeded", 0, Metadata=metadata)])
    assert step.outputs == outputs


def test_failure_reason_falls_back_to_the_execution_reason_without_failed_steps() -> None:
    assert failure_reason([], "Pipeline execution failed") == "Pipeline execution failed"
    assert failure_reason([], None) == "the execution failed (SageMaker gave no reason)"


@pytest.mark.parametrize(
    ("quiet", "expected"),
    [
        pytest.param(0, 5, id="fresh"),
        pytest.param(200, 20, id="quiet-a-while"),
        pytest.param(9999, 60, id="capped"),
    ],
)
def test_poll_interval_backs_off_with_quiet_time(quiet: float, expected: float) -> None:
    assert poll_interval(quiet, 5, 60) == expected


def test_steps_budget_leaves_room_for_listings() -> None:
    assert steps_budget(10, 5) == 12 and steps_budget(0.1, 1) == 1


def test_listing_window_covers_the_oldest_active_run_and_lists_all_when_unknown() -> None:
    assert listing_window([NOW, NOW - timedelta(hours=1)]) == NOW - timedelta(hours=1, minutes=10)
    assert listing_window([NOW, None]) is None

"""The API models accept what SageMaker accepts and reject the rest with a message naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sagemaker_pipelines_operator.api import PipelineRunSpec, PipelineScheduleSpec, PipelineSpec

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DEFINITION = {"inline": {"Version": "2020-12-01", "Steps": []}}


def pipeline(**overrides: Any) -> dict[str, Any]:
    return {"roleArn": ROLE, "definition": DEFINITION, **overrides}


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        pytest.param(pipeline(roleArn="arn:aws:iam::12:role/x"), "roleArn", "pattern", id="bad-role-arn"),
        pytest.param(
            pipeline(definition={**DEFINITION, "configMapRef": {"name": "cm", "key": "d.json"}}),
            "definition",
            "exactly one of inline, configMapRef or s3",
            id="two-definition-sources",
        ),
        pytest.param(pipeline(definition={}), "definition", "exactly one", id="no-definition-source"),
        pytest.param(pipeline(pipelineName="bad_name"), "pipelineName", "pattern", id="underscore-name"),
        pytest.param(pipeline(pipelineName="a" * 257), "pipelineName", "at most 256", id="name-too-long"),
        pytest.param(pipeline(tags={"aws:team": "x"}), "tags", "reserved", id="aws-tag"),
        pytest.param(
            pipeline(tags={"sagemaker.pipelines.dev/owner": "x"}), "tags", "reserved", id="owner-tag"
        ),
        pytest.param(pipeline(deletionPolicy="Orphan"), "deletionPolicy", "Retain", id="bad-deletion-policy"),
        pytest.param(
            pipeline(parallelism={"maxParallelExecutionSteps": 0}),
            "parallelism",
            "greater than or equal to 1",
            id="zero-parallel",
        ),
        pytest.param(pipeline(roleARN=ROLE), "roleARN", "Extra inputs", id="typo-field"),
        pytest.param(
            pipeline(definition={"s3": {"bucket": "Bad_Bucket", "key": "k"}}),
            "bucket",
            "pattern",
            id="s3-bucket",
        ),
    ],
)
def test_pipeline_spec_rejects(spec: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PipelineSpec.model_validate(spec)
    text = str(caught.value)
    assert field in text
    assert message in text


def test_pipeline_spec_defaults() -> None:
    spec = PipelineSpec.model_validate(pipeline())
    assert (spec.adoption_policy, spec.drift_policy, spec.deletion_policy) == ("Never", "Correct", None)
    assert spec.tags == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param({}, "exactly one of pipelineRef or pipelineName", id="no-pipeline"),
        pytest.param(
            {"pipelineRef": {"name": "a"}, "pipelineName": "b"},
            "exactly one of pipelineRef",
            id="both-pipelines",
        ),
        pytest.param(
            {"pipelineRef": {"name": "a"}, "parameters": {"bad key": "x"}},
            "parameters",
            id="bad-parameter-name",
        ),
        pytest.param(
            {"pipelineRef": {"name": "a"}, "parameters": {"X": "v" * 1025}}, "at most 1024", id="long-value"
        ),
        pytest.param(
            {"pipelineRef": {"name": "a"}, "selectiveExecution": {"steps": ["Train"]}},
            "exactly one of fromRun or sourceExecutionArn",
            id="selective-without-source",
        ),
        pytest.param(
            {"pipelineRef": {"name": "a"}, "retry": {"maxAttempts": 0}},
            "greater than or equal to 1",
            id="zero-attempts",
        ),
        pytest.param(
            {"pipelineRef": {"name": "a"}, "displayName": "has space"}, "pattern", id="display-name"
        ),
    ],
)
def test_pipeline_run_spec_rejects(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PipelineRunSpec.model_validate(spec)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"schedule": "every day"}, "cron", id="not-cron"),
        pytest.param({"schedule": "0 3 * * * *"}, "5-field", id="six-fields"),
        pytest.param({"timeZone": "Mars/Olympus"}, "time zone", id="unknown-zone"),
        pytest.param({"concurrencyPolicy": "Sometimes"}, "Allow", id="bad-policy"),
    ],
)
def test_schedule_spec_rejects(overrides: dict[str, Any], message: str) -> None:
    spec = {"schedule": "0 3 * * *", "runTemplate": {"spec": {"pipelineRef": {"name": "p"}}}, **overrides}
    with pytest.raises(ValidationError, match=message):
        PipelineScheduleSpec.model_validate(spec)


def test_schedule_accepts_macros_and_zones() -> None:
    spec = PipelineScheduleSpec.model_validate(
        {"schedule": "@daily", "timeZone": "Europe/Berlin", "runTemplate": {"spec": {"pipelineName": "p"}}}
    )
    assert spec.concurrency_policy == "Forbid"

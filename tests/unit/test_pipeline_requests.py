"""Request bodies for pipeline writes are valid against botocore's model, and tokens are stable."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from sagemaker_pipelines_operator.definition import canonical_json
from sagemaker_pipelines_operator.pipelines.plan.pipeline import Recorded
from sagemaker_pipelines_operator.pipelines.plan.requests import (
    add_tags_request,
    create_pipeline_request,
    create_token,
    delete_tags_request,
    request_token,
    update_pipeline_request,
)
from tests.unit.test_pipeline_plan import ARN, desired

MODEL = botocore.session.get_session().get_service_model("sagemaker")


def assert_valid(operation: str, params: dict[str, Any]) -> None:
    report = ParamValidator().validate(params, MODEL.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


def test_create_request_carries_every_set_field_and_the_owner_tag() -> None:
    want = desired(display_name="Churn", description="Churn model", parallelism=4)
    request = create_pipeline_request(want, create_token("uid-1", want, Recorded()))
    assert_valid("CreatePipeline", request)
    assert request["PipelineDefinition"] == canonical_json(want.definition)
    assert {"Key": "sagemaker.pipelines.dev/owner", "Value": want.owner} in request["Tags"]
    assert request["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 4}
    assert (request["PipelineDisplayName"], request["PipelineDescription"]) == ("Churn", "Churn model")


def test_create_request_with_s3_source_passes_the_location_not_the_text() -> None:
    location = {"Bucket": "defs", "ObjectKey": "churn.json", "VersionId": "v1"}
    want = desired(s3_location=location)
    request = create_pipeline_request(want, create_token("uid-1", want, Recorded()))
    assert_valid("CreatePipeline", request)
    assert request["PipelineDefinitionS3Location"] == location
    assert "PipelineDefinition" not in request


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(("PipelineDefinition",), id="definition"),
        pytest.param(("RoleArn", "PipelineDescription"), id="role-and-description"),
        pytest.param(("PipelineDisplayName", "ParallelismConfiguration"), id="display-and-parallelism"),
    ],
)
def test_update_request_sends_only_changed_fields(changed: tuple[str, ...]) -> None:
    want = desired(display_name="Churn", description="d", parallelism=2)
    request = update_pipeline_request(want, changed)
    assert_valid("UpdatePipeline", request)
    assert set(request) == {"PipelineName", *changed}


def test_tag_requests_are_valid() -> None:
    assert_valid("AddTags", add_tags_request(ARN, {"team": "a"}))
    assert_valid("DeleteTags", delete_tags_request(ARN, ("stale",)))


def test_tokens_are_deterministic_and_distinguish_intent() -> None:
    assert request_token("uid", "stop", "arn-1") == request_token("uid", "stop", "arn-1")
    assert request_token("uid", "stop", "arn-1") != request_token("uid", "stop", "arn-2")
    assert request_token("uid", "delete", "x") != request_token("other", "delete", "x")
    assert 32 <= len(request_token("uid", "delete", "x")) <= 128


def test_create_token_changes_with_the_definition_and_with_each_recreation() -> None:
    first = create_token("uid", desired(), Recorded())
    assert first == create_token("uid", desired(), Recorded())
    assert first != create_token("uid", desired(description="x"), Recorded())
    recreated = create_token("uid", desired(), Recorded(), recreate=True)
    assert recreated != first
    assert recreated == create_token("uid", desired(), Recorded(drift_count=1))
    assert create_token("uid", desired(), Recorded(drift_count=1), recreate=True) != recreated

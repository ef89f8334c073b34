"""SageMaker limits copied into api/common.py match botocore's service model (the contract)."""

from __future__ import annotations

import botocore.session
import pytest

from sagemaker_pipelines_operator.api import common

MODEL = botocore.session.get_session().get_service_model("sagemaker")


@pytest.mark.parametrize(
    ("shape", "pattern", "maximum"),
    [
        ("PipelineName", common.PIPELINE_NAME_PATTERN, common.PIPELINE_NAME_MAX),
        ("PipelineExecutionName", common.EXECUTION_DISPLAY_NAME_PATTERN, common.EXECUTION_DISPLAY_NAME_MAX),
        ("RoleArn", common.ROLE_ARN_PATTERN, common.ROLE_ARN_MAX),
        ("PipelineParameterName", common.PARAMETER_NAME_PATTERN, common.PARAMETER_NAME_MAX),
        ("StepName", common.STEP_NAME_PATTERN, common.STEP_NAME_MAX),
        ("PipelineExecutionArn", common.EXECUTION_ARN_PATTERN, None),
    ],
)
def test_patterns_match_botocore(shape: str, pattern: str, maximum: int | None) -> None:
    metadata = MODEL.shape_for(shape).metadata
    assert pattern == f"^{metadata['pattern']}$"
    if maximum is not None:
        assert metadata["max"] == maximum


@pytest.mark.parametrize(
    ("shape", "value"),
    [
        ("PipelineDescription", common.DESCRIPTION_MAX),
        ("String1024", common.PARAMETER_VALUE_MAX),
        ("ParameterList", common.PARAMETERS_MAX),
        ("SelectedStepList", common.SELECTED_STEPS_MAX),
        ("TagList", common.TAGS_MAX),
        ("TagKey", common.TAG_KEY_MAX),
        ("TagValue", common.TAG_VALUE_MAX),
    ],
)
def test_maximums_match_botocore(shape: str, value: int) -> None:
    assert MODEL.shape_for(shape).metadata["max"] == value

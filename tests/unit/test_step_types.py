"""The known step types are botocore's: definition/step_types.py is what hack/steptypes.py writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.definition import STEP_TYPES
from sagemaker_pipelines_operator.definition.request_shapes import step_requests

GENERATOR = Path(__file__).parents[2] / "hack" / "steptypes.py"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("steptypes", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_step_types_module_matches_the_installed_botocore_model() -> None:
    generator = _generator()
    assert generator.TARGET.read_text() == generator.render(), "run `make step-types`"


def test_step_argument_shapes_match_the_installed_botocore_models() -> None:
    generator = _generator()
    assert generator.ARGUMENTS_TARGET.read_text() == generator.render_arguments(), "run `make step-types`"


@pytest.mark.parametrize(
    ("step_type", "request_name", "required"),
    [
        (
            "Job",
            "sagemaker.CreateJob",
            ["RoleArn", "JobCategory", "JobConfigSchemaVersion", "JobConfigDocument"],
        ),
        ("Athena", "athena.StartQueryExecution", ["QueryString"]),
        (
            "HubContent",
            "sagemaker.ImportHubContent",
            ["HubContentName", "HubContentType", "DocumentSchemaVersion", "HubName", "HubContentDocument"],
        ),
    ],
    ids=["job-without-job-name", "athena", "hub-content"],
)
def test_step_arguments_are_the_request_the_step_makes(
    step_type: str, request_name: str, required: list[str]
) -> None:
    modelled = step_requests()[step_type]
    assert (modelled["request"], modelled["shape"]["required"]) == (request_name, required)


@pytest.mark.parametrize(
    "step_type", ["Training", "AutoML", "Job", "Athena", "Cleanup", "ForEach", "HubContent", "Lineage"]
)
def test_step_type_is_known(step_type: str) -> None:
    assert step_type in STEP_TYPES


@pytest.mark.parametrize("metadata_name", ["TrainingJob", "AutoMLJob", "CreateModel"])
def test_metadata_member_names_are_not_step_types(metadata_name: str) -> None:
    assert metadata_name not in STEP_TYPES

"""The known step types are botocore's: definition/step_types.py is what hack/steptypes.py writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.definition import STEP_TYPES

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


@pytest.mark.parametrize(
    "step_type", ["Training", "AutoML", "Job", "Athena", "Cleanup", "ForEach", "HubContent", "Lineage"]
)
def test_step_type_is_known(step_type: str) -> None:
    assert step_type in STEP_TYPES


@pytest.mark.parametrize("metadata_name", ["TrainingJob", "AutoMLJob", "CreateModel"])
def test_metadata_member_names_are_not_step_types(metadata_name: str) -> None:
    assert metadata_name not in STEP_TYPES

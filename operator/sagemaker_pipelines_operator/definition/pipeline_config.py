"""The definition's top-level configuration beside Steps: PipelineExperimentConfig and the SDK 3.x
MlflowConfig, both written as null when unset (sagemaker-mlops 1.27, workflow/pipeline.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.definition.problems import DefinitionProblem

CONFIG_FIELDS = {
    "PipelineExperimentConfig": ("ExperimentName", "TrialName"),
    "MlflowConfig": ("MlflowResourceArn", "MlflowExperimentName"),
}


def config_problems(definition: Mapping[str, Any]) -> list[DefinitionProblem]:
    """Shape problems of each top-level config (its expressions are resolved by the validator)."""
    problems: list[DefinitionProblem] = []
    for key, fields in CONFIG_FIELDS.items():
        config = definition.get(key)
        if config is None:
            continue
        if not isinstance(config, Mapping):
            problems.append(
                DefinitionProblem(key, f"{key} must be an object with {' and '.join(fields)}, or null")
            )
            continue
        for name, value in config.items():
            if name not in fields:
                problems.append(
                    DefinitionProblem(f"{key}.{name}", f"unknown field (expected {', '.join(fields)})")
                )
            elif value is not None and not isinstance(value, (str, Mapping)):
                problems.append(
                    DefinitionProblem(
                        f"{key}.{name}", f"{name} must be a string or an expression, got {value!r}"
                    )
                )
    mlflow = definition.get("MlflowConfig")
    if isinstance(mlflow, Mapping) and mlflow.get("MlflowResourceArn") is None:
        problems.append(
            DefinitionProblem(
                "MlflowConfig.MlflowResourceArn",
                "MlflowConfig needs MlflowResourceArn, the ARN of the MLflow tracking server or app",
            )
        )
    return problems

"""A Pipeline pass's lineage step: label a newly applied SageMaker pipeline version with the Git
revision that produced it (UpdatePipelineVersion display name and description) and report it."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.aws.pipeline_api import PipelinesApi
from sagemaker_pipelines_operator.reconcile.lineage import (
    Lineage,
    pipeline_lineage_status,
    version_description,
    version_display_name,
    version_label_due,
)


def label_applied_version(
    api: PipelinesApi, pipeline: Pipeline, arn: str, version_id: int | None, lineage: Lineage | None
) -> dict[str, Any]:
    """Status fields (`lineage`); writes only for a version not labelled yet."""
    recorded = pipeline.status.lineage
    if version_label_due(recorded, lineage, version_id) and lineage is not None:
        meta = pipeline.meta
        api.update_version(
            {
                "PipelineArn": arn,
                "PipelineVersionId": version_id,
                "PipelineVersionDisplayName": version_display_name(lineage),
                "PipelineVersionDescription": version_description(lineage, meta.namespace, meta.name),
            },
        )
    status = pipeline_lineage_status(recorded, lineage, version_id)
    return {"lineage": dump(status) if status is not None else None}

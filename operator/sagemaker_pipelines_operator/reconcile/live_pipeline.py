"""LivePipeline: a SageMaker pipeline as DescribePipeline and ListTags show it, parsed once at the
seam (`aws/pipeline_api`) and planned against by `pipelines/plan/pipeline`. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.definition import DefinitionError, definition_hash, parse_definition


@dataclass(frozen=True)
class LivePipeline:
    """The SageMaker pipeline as DescribePipeline and ListTags show it."""

    arn: str
    name: str
    definition_hash: str | None
    """None when the live definition cannot be read (so it never equals a desired hash)."""
    role_arn: str | None = None
    display_name: str | None = None
    description: str | None = None
    parallelism: int | None = None
    last_modified: datetime | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def live_pipeline(description: Mapping[str, Any], tags: Mapping[str, str]) -> LivePipeline:
    """A LivePipeline from a DescribePipeline response and the pipeline's tags."""
    text = description.get("PipelineDefinition")
    try:
        live_hash = definition_hash(parse_definition(text, allow_yaml=False)) if text else None
    except DefinitionError:
        live_hash = None
    parallelism = (description.get("ParallelismConfiguration") or {}).get("MaxParallelExecutionSteps")
    return LivePipeline(
        arn=str(description["PipelineArn"]),
        name=str(description.get("PipelineName", "")),
        definition_hash=live_hash,
        role_arn=description.get("RoleArn"),
        display_name=description.get("PipelineDisplayName"),
        description=description.get("PipelineDescription"),
        parallelism=int(parallelism) if parallelism is not None else None,
        last_modified=description.get("LastModifiedTime"),
        tags=dict(tags),
    )

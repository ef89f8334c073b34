"""The planner's inputs from a Pipeline resource: the checked definition, the desired state and what
status remembers. Pure: the definition text or object is read by the caller."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY, Pipeline, PipelineStatus
from sagemaker_pipelines_operator.definition import (
    DefinitionError,
    DefinitionProblem,
    parse_definition,
    validate_definition,
)
from sagemaker_pipelines_operator.errors import Stalled
from sagemaker_pipelines_operator.pipelines.plan.pipeline import DesiredPipeline, Recorded, owner_tag_value

# A condition message is capped at 32768 characters; a person reads the first few problems anyway.
MAX_PROBLEMS_SHOWN = 10


def invalid_definition(problems: list[DefinitionProblem], source: str) -> Stalled:
    """Stalled/InvalidDefinition whose message names each problem's step and field."""
    shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
    more = f" (and {len(problems) - MAX_PROBLEMS_SHOWN} more)" if len(problems) > MAX_PROBLEMS_SHOWN else ""
    count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
    return Stalled(
        c.INVALID_DEFINITION, f"invalid pipeline definition from {source} ({count}): {shown}{more}"
    )


def checked_definition(raw: str | bytes | Mapping[str, Any], source: str) -> dict[str, Any]:
    """Parse and validate a definition; raises Stalled/InvalidDefinition before any API call."""
    try:
        document = parse_definition(raw)
    except DefinitionError as exc:
        raise invalid_definition(exc.problems, source) from exc
    problems = validate_definition(document)
    if problems:
        raise invalid_definition(problems, source)
    return document


def definition_source_label(pipeline: Pipeline) -> str:
    """Where the definition comes from, as a person would name it in a message."""
    source = pipeline.spec.definition
    if source.config_map_ref is not None:
        return f"configMap {source.config_map_ref.name} key {source.config_map_ref.key}"
    if source.s3 is not None:
        version = f"?versionId={source.s3.version_id}" if source.s3.version_id else ""
        return f"s3://{source.s3.bucket}/{source.s3.key}{version}"
    return "spec.definition.inline"


def s3_location(pipeline: Pipeline) -> dict[str, str] | None:
    """PipelineDefinitionS3Location for an S3 definition source."""
    s3 = pipeline.spec.definition.s3
    if s3 is None:
        return None
    location = {"Bucket": s3.bucket, "ObjectKey": s3.key}
    if s3.version_id:
        location["VersionId"] = s3.version_id
    return location


def sagemaker_name(pipeline: Pipeline) -> str:
    # A manifest read from a file (`smpo diff`) may have no namespace yet: only the name is read.
    return pipeline.spec.pipeline_name or str(pipeline.metadata["name"])


def desired_pipeline(
    pipeline: Pipeline, definition: Mapping[str, Any], *, cluster_id: str, region: str
) -> DesiredPipeline:
    """DesiredPipeline from the resource and its checked definition."""
    spec = pipeline.spec
    owner = owner_tag_value(cluster_id, pipeline.meta.namespace, pipeline.meta.name)
    return DesiredPipeline(
        name=sagemaker_name(pipeline),
        region=region,
        role_arn=spec.role_arn,
        definition=definition,
        owner=owner,
        s3_location=s3_location(pipeline),
        display_name=spec.display_name,
        description=spec.description,
        parallelism=spec.parallelism.max_parallel_execution_steps if spec.parallelism else None,
        tags={**spec.tags, OWNER_TAG_KEY: owner},
        adopt=spec.adoption_policy == "Adopt",
        report_drift=spec.drift_policy == "Report",
    )


def recorded_from(status: PipelineStatus) -> Recorded:
    drifted = find_condition(status.conditions, c.DRIFTED)
    return Recorded(
        arn=status.arn,
        pipeline_name=status.pipeline_name,
        region=status.region,
        definition_hash=status.definition_hash,
        applied_hash=status.applied_hash,
        pipeline_version_id=status.pipeline_version_id,
        last_modified=status.last_modified_time,
        drift_count=status.drift_count,
        drift_reported=drifted is not None and drifted.status == "True",
        run_on_change_hash=status.run_on_change_hash,
    )

"""A Pipeline pass's version-alias step: read where SageMaker's aliases sit, move the declared ones
into place with UpdatePipelineVersion, and report them for the status."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.aws.pipeline_api import PipelinesApi
from sagemaker_pipelines_operator.pipelines.plan.version_aliases import (
    applied_aliases,
    desired_aliases,
    plan_alias_writes,
)
from sagemaker_pipelines_operator.reconcile.verdict import Event


def sync_version_aliases(
    api: PipelinesApi, pipeline: Pipeline, name: str, arn: str, applied_version: int | None
) -> tuple[dict[str, Any], list[Event]]:
    """Status fields and Events; nothing at all (not even a read) for a Pipeline that never had aliases."""
    declared = pipeline.spec.version_aliases
    managed = [alias.name for alias in pipeline.status.version_aliases]
    if not declared and not managed:
        return {}, []
    live = api.version_aliases(name)
    desired = desired_aliases(declared, applied_version, live.keys())
    writes = plan_alias_writes(desired, live, managed)
    for write in writes:
        api.update_version(write.request(arn))
    fields: dict[str, Any] = {"versionAliases": [dump(a) for a in applied_aliases(desired)]}
    if not writes:
        return fields, []
    fields["lastModifiedTime"] = None  # our writes moved it; read it afresh next pass
    shown = ", ".join(f"{alias} -> version {version}" for alias, version in sorted(desired.items()))
    return fields, [Event("Normal", c.UPDATED, f"version aliases applied: {shown or 'none'}")]

"""Pipeline operations: Create/Update/Describe/Delete, ListPipelines, ListPipelineVersions."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_emulator import errors
from sagemaker_pipelines_emulator.operations.common import (
    checked_tags,
    compact,
    find_pipeline,
    load_definition,
    remember,
    replayed,
    within,
)
from sagemaker_pipelines_emulator.operations.versions import aliases_after, selected_version
from sagemaker_pipelines_emulator.pagination import page
from sagemaker_pipelines_emulator.service import Context
from sagemaker_pipelines_emulator.state import ACTIVE, Pipeline, PipelineVersion, pipeline_arn
from sagemaker_pipelines_operator.definition.canonical import canonical_json

DEFAULT_PAGE = 10


def _parallelism(params: dict[str, Any]) -> int | None:
    config = params.get("ParallelismConfiguration")
    return int(config["MaxParallelExecutionSteps"]) if config else None


def create_pipeline(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    previous = replayed(ctx, "CreatePipeline", params)
    if previous is not None:
        return previous
    name = params["PipelineName"]
    if ctx.state.pipeline(name) is not None:
        raise errors.validation(
            "Pipeline names must be unique within an AWS account and region. "
            f"Pipeline with name ({name}) already exists."
        )
    loaded = load_definition(params)
    if loaded is None:
        raise errors.validation(
            "Either PipelineDefinition or PipelineDefinitionS3Location must be specified."
        )
    text, plan = loaded
    pipeline = Pipeline(
        name=name,
        arn=pipeline_arn(ctx.region, ctx.account, name),
        role_arn=params["RoleArn"],
        created=ctx.now,
        modified=ctx.now,
        display_name=params.get("PipelineDisplayName"),
        description=params.get("PipelineDescription"),
        parallelism=_parallelism(params),
        tags=checked_tags({}, params.get("Tags") or []),
    )
    aliases = aliases_after(None, None, [], list(params.get("PipelineVersionAliases") or []))
    pipeline.versions.append(PipelineVersion(1, text, plan, ctx.now, aliases=aliases))
    ctx.state.pipelines[name.lower()] = pipeline
    return remember(ctx, "CreatePipeline", params, {"PipelineArn": pipeline.arn})


def update_pipeline(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pipeline = find_pipeline(ctx, params["PipelineName"])
    version = _new_version(ctx, pipeline, params)
    for key, attribute in (
        ("PipelineDisplayName", "display_name"),
        ("PipelineDescription", "description"),
        ("RoleArn", "role_arn"),
    ):
        if params.get(key) is not None:
            setattr(pipeline, attribute, params[key])
    if params.get("ParallelismConfiguration") is not None:
        pipeline.parallelism = _parallelism(params)
    if version is not None:
        pipeline.versions.append(version)
    pipeline.modified = ctx.now
    return {"PipelineArn": pipeline.arn, "PipelineVersionId": pipeline.latest.version_id}


def _new_version(ctx: Context, pipeline: Pipeline, params: dict[str, Any]) -> PipelineVersion | None:
    """The version an UpdatePipeline creates (only when the definition changes), with its aliases;
    aliases on an update that changes no definition are refused, as botocore's model says."""
    aliases = list(params.get("PipelineVersionAliases") or [])
    loaded = load_definition(params)
    if loaded is None or canonical_json(loaded[1].definition) == canonical_json(
        pipeline.latest.plan.definition
    ):
        if aliases:
            raise errors.validation(
                "PipelineVersionAliases can be specified only when the update changes the pipeline "
                "definition; use UpdatePipelineVersion to change the aliases of an existing version."
            )
        return None
    text, plan = loaded
    version_id = len(pipeline.versions) + 1
    new = PipelineVersion(version_id, text, plan, ctx.now)
    new.aliases = aliases_after(pipeline, new, [], aliases)
    return new


def describe_pipeline(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pipeline = find_pipeline(ctx, params["PipelineName"])
    version = selected_version(pipeline, params)
    parallelism = pipeline.parallelism
    return compact(
        {
            "PipelineArn": pipeline.arn,
            "PipelineName": pipeline.name,
            "PipelineDisplayName": pipeline.display_name or pipeline.name,
            "PipelineDefinition": version.definition_text,
            "PipelineDescription": pipeline.description,
            "RoleArn": pipeline.role_arn,
            "PipelineStatus": "Active",
            "CreationTime": pipeline.created,
            "LastModifiedTime": pipeline.modified,
            "LastRunTime": pipeline.last_run,
            "ParallelismConfiguration": {"MaxParallelExecutionSteps": parallelism} if parallelism else None,
            "PipelineVersionDisplayName": version.display_name,
            "PipelineVersionDescription": version.description,
            "PipelineVersionAliases": version.aliases or None,
        }
    )


def delete_pipeline(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    previous = replayed(ctx, "DeletePipeline", params)
    if previous is not None:
        return previous
    pipeline = find_pipeline(ctx, params["PipelineName"])
    running = [ex for ex in pipeline.executions.values() if ex.status in ACTIVE]
    if running:
        raise errors.conflict(
            f"Pipeline '{pipeline.arn}' has {len(running)} execution(s) in progress; "
            "stop them before deleting the pipeline."
        )
    for arn, execution in pipeline.executions.items():
        ctx.engine.forget(execution)
        ctx.state.executions.pop(arn, None)
    del ctx.state.pipelines[pipeline.name.lower()]
    return remember(ctx, "DeletePipeline", params, {"PipelineArn": pipeline.arn})


def list_pipelines(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    prefix = (params.get("PipelineNamePrefix") or "").lower()
    pipelines = [
        p
        for p in ctx.state.pipelines.values()
        if p.name.lower().startswith(prefix) and within(p.created, params)
    ]
    by_name = params.get("SortBy") == "Name"
    pipelines.sort(key=lambda p: (p.name.lower(), p.created) if by_name else (p.created, p.name.lower()))
    if params.get("SortOrder", "Descending") == "Descending":
        pipelines.reverse()
    chunk, token = page(pipelines, params, DEFAULT_PAGE)
    summaries = [
        compact(
            {
                "PipelineArn": p.arn,
                "PipelineName": p.name,
                "PipelineDisplayName": p.display_name or p.name,
                "PipelineDescription": p.description,
                "RoleArn": p.role_arn,
                "CreationTime": p.created,
                "LastModifiedTime": p.modified,
                "LastExecutionTime": p.last_run,
            }
        )
        for p in chunk
    ]
    return compact({"PipelineSummaries": summaries, "NextToken": token})


def list_pipeline_versions(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pipeline = find_pipeline(ctx, params["PipelineName"])
    versions = [v for v in pipeline.versions if within(v.created, params)]
    if params.get("SortOrder", "Descending") == "Descending":
        versions.reverse()
    chunk, token = page(versions, params, DEFAULT_PAGE)
    summaries = [
        compact(
            {
                "PipelineArn": pipeline.arn,
                "PipelineVersionId": v.version_id,
                "CreationTime": v.created,
                "PipelineVersionDescription": v.description,
                "PipelineVersionDisplayName": v.display_name,
                "LastExecutionPipelineExecutionArn": v.last_execution_arn,
                "PipelineVersionAliases": v.aliases or None,
            }
        )
        for v in chunk
    ]
    return compact({"PipelineVersionSummaries": summaries, "NextToken": token})


HANDLERS = {
    "CreatePipeline": create_pipeline,
    "UpdatePipeline": update_pipeline,
    "DescribePipeline": describe_pipeline,
    "DeletePipeline": delete_pipeline,
    "ListPipelines": list_pipelines,
    "ListPipelineVersions": list_pipeline_versions,
}

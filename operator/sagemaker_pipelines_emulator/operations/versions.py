"""Pipeline versions: picking one by id or alias, the alias rules of botocore's model, and
UpdatePipelineVersion (display name, description, alias operations)."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_emulator import errors
from sagemaker_pipelines_emulator.operations.common import find_pipeline
from sagemaker_pipelines_emulator.service import Context
from sagemaker_pipelines_emulator.state import Pipeline, PipelineVersion

MAX_ALIASES_PER_VERSION = 10


def selected_version(pipeline: Pipeline, params: dict[str, Any]) -> PipelineVersion:
    """The version a request names by PipelineVersionId or PipelineVersionAlias; the latest if neither."""
    version_id = params.get("PipelineVersionId")
    alias = params.get("PipelineVersionAlias")
    if version_id is not None and alias is not None:
        raise errors.validation("Specify either PipelineVersionId or PipelineVersionAlias, not both.")
    if version_id is not None:
        version = pipeline.version(int(version_id))
        if version is None:
            raise errors.not_found(
                f"Pipeline version {version_id} of pipeline '{pipeline.arn}' does not exist."
            )
        return version
    if alias is not None:
        return aliased_version(pipeline, alias)
    return pipeline.latest


def aliased_version(pipeline: Pipeline, alias: str) -> PipelineVersion:
    holder = alias_holder(pipeline, alias)
    if holder is None:
        raise errors.not_found(
            f"Pipeline version alias '{alias}' of pipeline '{pipeline.arn}' does not exist."
        )
    return holder


def alias_holder(pipeline: Pipeline, alias: str) -> PipelineVersion | None:
    return next((v for v in pipeline.versions if alias in v.aliases), None)


def aliases_after(
    pipeline: Pipeline | None, version: PipelineVersion | None, kept: list[str], added: list[str]
) -> list[str]:
    """The aliases `version` will have: `kept` of its own plus `added`, refused as the service
    refuses them (numbers only, repeated, held by another version - SageMaker never moves an
    alias silently - or more than ten). Checked before anything changes: a refusal changes nothing."""
    for alias in added:
        if alias.isdigit():
            raise errors.validation(f"Pipeline version alias '{alias}' can't consist of numbers only.")
        if added.count(alias) > 1:
            raise errors.validation(f"Pipeline version alias '{alias}' is given more than once.")
        holder = alias_holder(pipeline, alias) if pipeline is not None else None
        if pipeline is not None and holder is not None and holder is not version:
            raise errors.validation(
                f"Pipeline version alias '{alias}' is already assigned to version {holder.version_id} "
                f"of pipeline '{pipeline.arn}'; remove it from that version first."
            )
    final = kept + [alias for alias in added if alias not in kept]
    if len(final) > MAX_ALIASES_PER_VERSION:
        raise errors.validation(
            f"A pipeline version can have at most {MAX_ALIASES_PER_VERSION} aliases; "
            f"this request would give it {len(final)}."
        )
    return final


def _aliases_after_operations(
    pipeline: Pipeline, version: PipelineVersion, operations: dict[str, Any]
) -> list[str]:
    add = list(operations.get("Add") or [])
    remove = list(operations.get("Remove") or [])
    both = sorted(set(add) & set(remove))
    if both:
        raise errors.validation(f"An alias can't appear in both Add and Remove: {', '.join(both)}.")
    missing = [alias for alias in remove if alias not in version.aliases]
    if missing:
        raise errors.validation(
            f"Pipeline version {version.version_id} has no alias {', '.join(missing)} to remove."
        )
    kept = [alias for alias in version.aliases if alias not in remove]
    return aliases_after(pipeline, version, kept, add)


def update_pipeline_version(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pipeline = find_pipeline(ctx, params["PipelineArn"])
    version = selected_version(pipeline, {"PipelineVersionId": params["PipelineVersionId"]})
    operations = params.get("PipelineVersionAliasOperations")
    if operations is not None:
        version.aliases = _aliases_after_operations(pipeline, version, operations)
    if params.get("PipelineVersionDisplayName") is not None:
        version.display_name = params["PipelineVersionDisplayName"]
    if params.get("PipelineVersionDescription") is not None:
        version.description = params["PipelineVersionDescription"]
    pipeline.modified = ctx.now
    return {"PipelineArn": pipeline.arn, "PipelineVersionId": version.version_id}


HANDLERS = {"UpdatePipelineVersion": update_pipeline_version}

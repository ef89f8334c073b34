"""Tag operations on pipelines and pipeline executions: AddTags, ListTags, DeleteTags."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_emulator import errors
from sagemaker_pipelines_emulator.operations.common import checked_tags, compact, tag_list
from sagemaker_pipelines_emulator.pagination import page
from sagemaker_pipelines_emulator.service import Context
from sagemaker_pipelines_emulator.state import Execution, Pipeline

DEFAULT_PAGE = 50


def _resource(ctx: Context, arn: str) -> Pipeline | Execution:
    lowered = arn.lower()
    execution = ctx.state.executions.get(lowered)
    if execution is not None:
        return execution
    if ":pipeline/" in lowered and "/execution/" not in lowered:
        pipeline = ctx.state.pipeline(lowered)
        if pipeline is not None:
            return pipeline
    raise errors.validation(f"Resource '{arn}' does not exist or cannot be tagged by this emulator.")


def add_tags(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _resource(ctx, params["ResourceArn"])
    resource.tags = checked_tags(resource.tags, params["Tags"])
    return {"Tags": params["Tags"]}


def list_tags(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _resource(ctx, params["ResourceArn"])
    chunk, token = page(tag_list(resource.tags), params, DEFAULT_PAGE)
    return compact({"Tags": chunk, "NextToken": token})


def delete_tags(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _resource(ctx, params["ResourceArn"])
    for key in params["TagKeys"]:
        resource.tags.pop(key, None)
    return {}


HANDLERS = {"AddTags": add_tags, "ListTags": list_tags, "DeleteTags": delete_tags}

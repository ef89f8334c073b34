"""SageMaker request bodies for a planned pipeline write, and the idempotency tokens they carry. Pure."""

from __future__ import annotations

import hashlib
from typing import Any

from sagemaker_pipelines_operator.definition import canonical_json
from sagemaker_pipelines_operator.pipelines.plan.pipeline import DesiredPipeline, Recorded


def request_token(uid: str, purpose: str, *parts: str) -> str:
    """A ClientRequestToken (64 hex characters) that is the same for the same object and intent, so a
    call repeated after a crash or an SDK retry is recognised by SageMaker, not done twice."""
    material = "\x00".join((uid, purpose, *parts))
    return hashlib.sha256(material.encode()).hexdigest()


def create_token(uid: str, desired: DesiredPipeline, recorded: Recorded, *, recreate: bool = False) -> str:
    """Token of one CreatePipeline. A recreation (after a deletion outside Git) counts as the next
    drift, so its token differs from the first creation's, which SageMaker would answer with the
    long-gone pipeline's ARN; a replay after a crash computes the same token again."""
    generation = recorded.drift_count + (1 if recreate else 0)
    return request_token(uid, "create", desired.name, desired.fingerprint(), str(generation))


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _definition_fields(desired: DesiredPipeline) -> dict[str, Any]:
    if desired.s3_location is not None:
        return {"PipelineDefinitionS3Location": dict(desired.s3_location)}
    # Canonical JSON: what SageMaker stores is what we hash, byte for byte.
    return {"PipelineDefinition": canonical_json(desired.definition)}


def create_pipeline_request(desired: DesiredPipeline, token: str) -> dict[str, Any]:
    """CreatePipeline parameters: everything the spec sets, with the owner tag."""
    request: dict[str, Any] = {
        "PipelineName": desired.name,
        "RoleArn": desired.role_arn,
        "ClientRequestToken": token,
        "Tags": _tag_list(dict(desired.tags)),
        **_definition_fields(desired),
    }
    if desired.display_name is not None:
        request["PipelineDisplayName"] = desired.display_name
    if desired.description is not None:
        request["PipelineDescription"] = desired.description
    if desired.parallelism is not None:
        request["ParallelismConfiguration"] = {"MaxParallelExecutionSteps": desired.parallelism}
    return request


def update_pipeline_request(desired: DesiredPipeline, changed: tuple[str, ...]) -> dict[str, Any]:
    """UpdatePipeline parameters for the changed fields only."""
    request: dict[str, Any] = {"PipelineName": desired.name}
    if "PipelineDefinition" in changed:
        request.update(_definition_fields(desired))
    if "RoleArn" in changed:
        request["RoleArn"] = desired.role_arn
    if "PipelineDisplayName" in changed:
        request["PipelineDisplayName"] = desired.display_name
    if "PipelineDescription" in changed:
        request["PipelineDescription"] = desired.description
    if "ParallelismConfiguration" in changed:
        request["ParallelismConfiguration"] = {"MaxParallelExecutionSteps": desired.parallelism}
    return request


def add_tags_request(arn: str, tags: dict[str, str]) -> dict[str, Any]:
    return {"ResourceArn": arn, "Tags": _tag_list(tags)}


def delete_tags_request(arn: str, keys: tuple[str, ...]) -> dict[str, Any]:
    return {"ResourceArn": arn, "TagKeys": list(keys)}

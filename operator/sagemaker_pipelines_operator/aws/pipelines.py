"""SageMaker pipeline operations, each through `SageMakerApi.call` with its API name (rate budget,
metrics, error classes); the IAM policy lists exactly these. Reads and clean-ups where absence is
an answer ask with `lookup` (None or False when missing); a write to a missing pipeline raises
NotFound, and what that means is decided by the seam, `aws/pipeline_api.SageMakerPipelines`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.aws.errors import is_unimplemented
from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi
from sagemaker_pipelines_operator.errors import ReconcileError

log = logging.getLogger(__name__)


def describe_pipeline(api: SageMakerApi, name: str) -> dict[str, Any] | None:
    """DescribePipeline; None when there is no such pipeline."""
    return api.lookup("DescribePipeline", PipelineName=name)


def list_tags(api: SageMakerApi, arn: str) -> dict[str, str] | None:
    """The resource's tags; None when the resource is gone."""
    tags = api.lookup_pages("ListTags", "Tags", ResourceArn=arn)
    return None if tags is None else {t["Key"]: t.get("Value", "") for t in tags}


def create_pipeline(api: SageMakerApi, request: Mapping[str, Any]) -> str:
    """CreatePipeline; returns the ARN."""
    return str(api.call("CreatePipeline", **request)["PipelineArn"])


def update_pipeline(api: SageMakerApi, request: Mapping[str, Any]) -> int | None:
    """UpdatePipeline; returns the new PipelineVersionId."""
    version = api.call("UpdatePipeline", **request).get("PipelineVersionId")
    return int(version) if version is not None else None


def delete_pipeline(api: SageMakerApi, name: str, token: str) -> None:
    """DeletePipeline; a pipeline already gone is deleted."""
    api.lookup("DeletePipeline", PipelineName=name, ClientRequestToken=token)


def add_tags(api: SageMakerApi, request: Mapping[str, Any]) -> None:
    api.call("AddTags", **request)


def delete_tags(api: SageMakerApi, request: Mapping[str, Any]) -> None:
    api.call("DeleteTags", **request)


def latest_version_id(api: SageMakerApi, name: str) -> int | None:
    """The newest PipelineVersionId (DescribePipeline does not return it); None where the endpoint
    does not implement ListPipelineVersions (moto server, LocalStack): the version is only shown."""
    try:
        page = api.call("ListPipelineVersions", PipelineName=name, SortOrder="Descending", MaxResults=1)
    except ReconcileError as exc:
        if is_unimplemented(exc.__cause__):
            log.info("ListPipelineVersions is not implemented by this endpoint; no version for %s", name)
            return None
        raise
    versions = page.get("PipelineVersionSummaries") or []
    return int(versions[0]["PipelineVersionId"]) if versions else None


def list_pipelines(api: SageMakerApi) -> list[dict[str, Any]]:
    """Every pipeline summary of the account and region (100 per call)."""
    return api.paginate("ListPipelines", "PipelineSummaries", MaxResults=100)


def list_pipeline_executions(api: SageMakerApi, name: str) -> list[dict[str, Any]] | None:
    """Every execution summary of the pipeline; None when there is no such pipeline."""
    return api.lookup_pages(
        "ListPipelineExecutions", "PipelineExecutionSummaries", PipelineName=name, MaxResults=100
    )


def stop_pipeline_execution(api: SageMakerApi, arn: str, token: str) -> bool:
    """StopPipelineExecution; False when the execution is gone."""
    answer = api.lookup("StopPipelineExecution", PipelineExecutionArn=arn, ClientRequestToken=token)
    return answer is not None


def version_aliases(api: SageMakerApi, name: str) -> dict[int, list[str]]:
    """Every version of the pipeline with its aliases (ListPipelineVersions, all pages)."""
    summaries = api.paginate("ListPipelineVersions", "PipelineVersionSummaries", PipelineName=name)
    return {int(v["PipelineVersionId"]): list(v.get("PipelineVersionAliases") or []) for v in summaries}


def update_pipeline_version(api: SageMakerApi, request: Mapping[str, Any]) -> None:
    """UpdatePipelineVersion: a version's aliases, display name or description."""
    api.call("UpdatePipelineVersion", **request)

"""Pipeline executions in SageMaker: start, describe, list, steps, stop and retry. Each is one
operation through `SageMakerApi` (shared rate budget, metrics, error classes); the reads are
lookups, so a missing execution or pipeline is None, and the writes raise NotFound (a refusal)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi

PAGE_SIZE = 100
"""SageMaker's maximum MaxResults for both list operations: fewest calls per poll."""


def start_execution(api: SageMakerApi, request: dict[str, Any]) -> str:
    """StartPipelineExecution; the request carries its ClientRequestToken. Returns the ARN."""
    response = api.call("StartPipelineExecution", **request)
    return str(response["PipelineExecutionArn"])


def describe_execution(api: SageMakerApi, arn: str) -> dict[str, Any] | None:
    """DescribePipelineExecution; None when the execution does not exist."""
    return api.lookup("DescribePipelineExecution", PipelineExecutionArn=arn)


def list_executions(
    api: SageMakerApi, pipeline_name: str, created_after: datetime | None
) -> list[dict[str, Any]] | None:
    """ListPipelineExecutions, newest first, limited to executions created after `created_after`
    so that the cost follows active runs, not the pipeline's history. None when the pipeline
    does not exist."""
    params: dict[str, Any] = {
        "PipelineName": pipeline_name,
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
        "MaxResults": PAGE_SIZE,
    }
    if created_after is not None:
        params["CreatedAfter"] = created_after
    return api.lookup_pages("ListPipelineExecutions", "PipelineExecutionSummaries", **params)


def list_steps(api: SageMakerApi, arn: str) -> list[dict[str, Any]] | None:
    """ListPipelineExecutionSteps in start order; None when the execution does not exist."""
    return api.lookup_pages(
        "ListPipelineExecutionSteps",
        "PipelineExecutionSteps",
        PipelineExecutionArn=arn,
        SortOrder="Ascending",
        MaxResults=PAGE_SIZE,
    )


def stop_execution(api: SageMakerApi, arn: str, token: str) -> None:
    api.call("StopPipelineExecution", PipelineExecutionArn=arn, ClientRequestToken=token)


def retry_execution(api: SageMakerApi, arn: str, token: str, parallelism: dict[str, Any] | None) -> None:
    params: dict[str, Any] = {"PipelineExecutionArn": arn, "ClientRequestToken": token}
    if parallelism:
        params["ParallelismConfiguration"] = parallelism
    api.call("RetryPipelineExecution", **params)

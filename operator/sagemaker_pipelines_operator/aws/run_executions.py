"""The SageMaker seam of the run path: one Protocol for every call a PipelineRun makes, the boto3
adapter behind it, and what "not found" means for each call: the reads ask with lookups and return
None; the writes (start, stop, retry) raise NotFound, a Stalled like any other refusal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from sagemaker_pipelines_operator.aws import executions
from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi


class RunExecutions(Protocol):
    """Pipeline executions in one (region, role). Failures raise the error taxonomy (errors.py)."""

    def start(self, request: Mapping[str, Any]) -> str:
        """StartPipelineExecution (idempotent by its ClientRequestToken); the execution's ARN.
        A pipeline that does not exist is a refusal (Stalled), like any invalid request."""

    def describe(self, arn: str) -> dict[str, Any] | None:
        """DescribePipelineExecution; None when the execution does not exist."""

    def listing(self, pipeline: str, created_after: datetime | None) -> list[dict[str, Any]] | None:
        """ListPipelineExecutions summaries, newest first; None when the pipeline does not exist."""

    def steps(self, arn: str) -> list[dict[str, Any]] | None:
        """ListPipelineExecutionSteps in start order; None when the execution does not exist."""

    def stop(self, arn: str, token: str) -> None:
        """StopPipelineExecution; Stalled when SageMaker refuses (finished, or gone)."""

    def retry(self, arn: str, token: str, parallelism: dict[str, Any] | None) -> None:
        """RetryPipelineExecution; Stalled when SageMaker refuses."""


ExecutionsFor = Callable[[str | None, str | None], RunExecutions]
"""(region, role ARN) → the executions seam for them."""


class SageMakerExecutions:
    """`RunExecutions` through `SageMakerApi` (the shared rate budget, metrics, classification)."""

    def __init__(self, api: SageMakerApi) -> None:
        self._api = api

    def start(self, request: Mapping[str, Any]) -> str:
        return executions.start_execution(self._api, dict(request))

    def describe(self, arn: str) -> dict[str, Any] | None:
        return executions.describe_execution(self._api, arn)

    def listing(self, pipeline: str, created_after: datetime | None) -> list[dict[str, Any]] | None:
        return executions.list_executions(self._api, pipeline, created_after)

    def steps(self, arn: str) -> list[dict[str, Any]] | None:
        return executions.list_steps(self._api, arn)

    def stop(self, arn: str, token: str) -> None:
        executions.stop_execution(self._api, arn, token)

    def retry(self, arn: str, token: str, parallelism: dict[str, Any] | None) -> None:
        executions.retry_execution(self._api, arn, token, parallelism)

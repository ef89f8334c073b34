"""The SageMaker seam of the run path: one Protocol for every call a PipelineRun makes, the boto3
adapter behind it, and what "not found" means for each call: the reads ask with lookups and return
None; the writes (start, stop, retry) raise NotFound, a Stalled like any other refusal. Executions
come back parsed (`reconcile/execution.Execution`); steps as SageMaker lists them, since what a
step entry means depends on the run's earlier steps (`runs/plan/steps.steps_from_aws`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from sagemaker_pipelines_operator.aws import executions
from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi
from sagemaker_pipelines_operator.reconcile.execution import (
    Execution,
    execution_from_description,
    execution_from_summary,
)


class RunExecutions(Protocol):
    """Pipeline executions in one (region, role). Failures raise the error taxonomy (errors.py)."""

    def start(self, request: Mapping[str, Any]) -> str:
        """StartPipelineExecution (idempotent by its ClientRequestToken); the execution's ARN.
        A pipeline that does not exist is a refusal (Stalled), like any invalid request."""

    def describe(self, arn: str) -> Execution | None:
        """DescribePipelineExecution; None when the execution does not exist."""

    def listing(self, pipeline: str, created_after: datetime | None) -> list[Execution] | None:
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

    def describe(self, arn: str) -> Execution | None:
        found = executions.describe_execution(self._api, arn)
        return execution_from_description(arn, found) if found is not None else None

    def listing(self, pipeline: str, created_after: datetime | None) -> list[Execution] | None:
        found = executions.list_executions(self._api, pipeline, created_after)
        return [execution_from_summary(s) for s in found] if found is not None else None

    def steps(self, arn: str) -> list[dict[str, Any]] | None:
        return executions.list_steps(self._api, arn)

    def stop(self, arn: str, token: str) -> None:
        executions.stop_execution(self._api, arn, token)

    def retry(self, arn: str, token: str, parallelism: dict[str, Any] | None) -> None:
        executions.retry_execution(self._api, arn, token, parallelism)

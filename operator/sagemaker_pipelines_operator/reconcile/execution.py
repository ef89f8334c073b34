"""A pipeline execution as SageMaker reports it, parsed once at the run seam
(`aws/run_executions`) from a ListPipelineExecutions summary or a DescribePipelineExecution
answer: the two spell the start time and the failure reason differently."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Execution:
    """One execution: what the run's status is computed from (steps are listed separately)."""

    arn: str
    status: str | None
    """PipelineExecutionStatus: Executing, Stopping, Stopped, Failed, Succeeded, CompletedWithFailures."""
    start_time: datetime | None = None
    failure_reason: str | None = None


def execution_from_summary(summary: Mapping[str, Any]) -> Execution:
    """From a ListPipelineExecutions summary."""
    return Execution(
        arn=str(summary.get("PipelineExecutionArn", "")),
        status=_text(summary.get("PipelineExecutionStatus")),
        start_time=_moment(summary.get("StartTime")),
        failure_reason=_text(summary.get("PipelineExecutionFailureReason")),
    )


def execution_from_description(arn: str, description: Mapping[str, Any]) -> Execution:
    """From a DescribePipelineExecution answer about `arn` (it starts at its CreationTime)."""
    return Execution(
        arn=str(description.get("PipelineExecutionArn") or arn),
        status=_text(description.get("PipelineExecutionStatus")),
        start_time=_moment(description.get("CreationTime")),
        failure_reason=_text(description.get("FailureReason")),
    )


def _text(value: Any) -> str | None:
    return str(value) if value else None


def _moment(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None  # botocore parses timestamps

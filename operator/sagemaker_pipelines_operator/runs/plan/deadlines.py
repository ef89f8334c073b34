"""A run's deadlines: when timeoutSeconds stops it, and when ttlSecondsAfterFinished deletes it.
The only place either is computed; the run plan, the tracker and the poller ask here."""

from __future__ import annotations

from datetime import datetime, timedelta

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase, PipelineRunStatus

Phase = PipelineRunPhase


def ttl_expiry(run: PipelineRun, status: PipelineRunStatus | None = None) -> datetime | None:
    """When a finished run may be deleted: ttlSecondsAfterFinished after its completion (None:
    keep it)."""
    ttl = run.spec.ttl_seconds_after_finished
    completed = (status or run.status).completion_time
    if ttl is None or completed is None:
        return None
    return completed + timedelta(seconds=ttl)


def timed_out(run: PipelineRun, status: PipelineRunStatus, now: datetime) -> bool:
    """Whether timeoutSeconds has passed since the execution started."""
    limit = run.spec.timeout_seconds
    if limit is None or status.start_time is None:
        return False
    return (now - status.start_time).total_seconds() >= limit


def timeout_in(run: PipelineRun, status: PipelineRunStatus, now: datetime) -> float | None:
    """Seconds until timeoutSeconds expires for an executing run (so the poller looks then)."""
    limit = run.spec.timeout_seconds
    if limit is None or status.start_time is None or status.phase != Phase.EXECUTING:
        return None
    return max(0.0, limit - (now - status.start_time).total_seconds())

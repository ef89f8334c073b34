"""A run's conditions and Events as functions of its phase: kstatus conditions plus Tekton's
`Succeeded`, one Event per phase change. A failed run is not Ready."""

from __future__ import annotations

from datetime import datetime

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import ConditionStatus
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase, PipelineRunStatus
from sagemaker_pipelines_operator.errors import ReconcileError, Transient, Waiting
from sagemaker_pipelines_operator.reconcile.conditions import set_condition
from sagemaker_pipelines_operator.reconcile.verdict import (
    Blocked,
    Deferred,
    Event,
    Retrying,
    Verdict,
    compute_outcome,
    progressing,
    ready,
    verdict_for_error,
)

Phase = PipelineRunPhase

STOP_CANCELLED = "Cancelled"
STOP_TIMEOUT = "Timeout"
STOP_DELETED = "Deleted"
UNTRACKED_RECHECK_SECONDS = 30.0
"""How soon a run that cannot be tracked (e.g. its namespace role is refused) is looked at again."""


def format_duration(seconds: float) -> str:
    """Like kubectl's ages, but exact to the second: 45s, 4m12s, 2h3m4s."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def phase_verdict(status: PipelineRunStatus, final_reason: str | None = None) -> Verdict:
    """Ready/Reconciling/Stalled for a phase; `final_reason` overrides the reason of a final phase
    (e.g. ExecutionNotFound, InvalidParameters, Timeout)."""
    phase = status.phase or Phase.PENDING
    if not phase.finished:
        return progressing(*_progress(status, phase))
    if phase == Phase.SUCCEEDED:
        # No step count: the final step list may arrive after the phase (see the batch poller).
        return ready(c.EXECUTION_SUCCEEDED, f"succeeded in {status.duration or '?'}")
    reason, message = _final_failure(status)
    # A run that ended unsuccessfully cannot progress: kstatus reads Stalled=True as Failed.
    return Blocked(final_reason or reason, message)


def _progress(status: PipelineRunStatus, phase: PipelineRunPhase) -> tuple[str, str]:
    """Reason and message of a run on its way."""
    if phase == Phase.STARTING:
        return c.STARTING, f"starting an execution of pipeline '{status.pipeline_name}'"
    if phase == Phase.EXECUTING and status.retry_after is not None:
        return c.RETRYING, f"attempt {status.attempts} failed: {status.failure_reason}"
    if phase == Phase.EXECUTING:
        steps = f" ({status.step_summary} steps succeeded)" if status.step_summary else ""
        return c.EXECUTING, f"executing{steps}"
    if phase == Phase.STOPPING:
        return c.STOPPING, f"stopping: {status.stop_reason or 'stopped outside the operator'}"
    return c.PROGRESSING, "waiting to start"


def _final_failure(status: PipelineRunStatus) -> tuple[str, str]:
    if status.phase == Phase.STOPPED:
        if status.stop_reason == STOP_TIMEOUT:
            return c.TIMEOUT, status.failure_reason or "stopped: timeoutSeconds exceeded"
        why = {STOP_CANCELLED: "cancelled (spec.cancel)", STOP_DELETED: "the run was deleted"}.get(
            status.stop_reason or "", "stopped outside the operator"
        )
        return c.EXECUTION_STOPPED, f"stopped: {why}"
    if status.phase == Phase.COMPLETED_WITH_FAILURES:
        return c.EXECUTION_COMPLETED_WITH_FAILURES, status.failure_reason or "completed with failed steps"
    return c.EXECUTION_FAILED, status.failure_reason or "the execution failed"


def with_conditions(
    status: PipelineRunStatus, verdict: Verdict, *, generation: int | None, now: datetime
) -> PipelineRunStatus:
    """`status` with kstatus conditions from `verdict` and `Succeeded` from the phase."""
    conditions = compute_outcome(status.conditions, verdict, generation=generation, now=now).conditions
    phase = status.phase or Phase.PENDING
    succeeded: ConditionStatus = (
        "True" if phase == Phase.SUCCEEDED else "False" if phase.finished else "Unknown"
    )
    conditions = set_condition(
        conditions, c.SUCCEEDED, succeeded, verdict.reason, verdict.message, generation=generation, now=now
    )
    return status.model_copy(update={"conditions": conditions, "observed_generation": generation})


def blocked_status(
    status: PipelineRunStatus, error: ReconcileError, *, generation: int | None, now: datetime
) -> tuple[PipelineRunStatus, Verdict]:
    """A run that cannot start, by the one error policy (verdict_for_error). Waiting and Transient
    stay Pending; a block ends the run as Failed, because its spec is immutable: only a new
    PipelineRun can fix it (and a Failed run frees schedules)."""
    verdict = verdict_for_error(error)
    if isinstance(verdict, Blocked):
        status = status.model_copy(
            update={"phase": Phase.FAILED, "failure_reason": error.message, "completion_time": now}
        )
    return with_conditions(status, verdict, generation=generation, now=now), verdict


def untracked_status(
    status: PipelineRunStatus, error: ReconcileError, *, generation: int | None, now: datetime
) -> tuple[PipelineRunStatus, Verdict]:
    """A run that may have an execution (Starting, Executing, Stopping) but cannot be looked after
    now, e.g. its namespace role is refused. The execution runs on whatever the operator can see,
    so the phase stays; Ready=False says why, and the run is looked at again later."""
    what = (
        f"cannot track execution {status.execution_arn}"
        if status.execution_arn
        else "cannot start or find its execution"
    )
    message = f"{what}: {error.message}"
    if isinstance(error, Transient):
        verdict: Verdict = Retrying(error.reason, message, requeue_after=error.delay)
    else:  # a refusal too: the run waits for the namespace's role, it cannot be failed for it
        delay = error.delay if isinstance(error, Waiting) else UNTRACKED_RECHECK_SECONDS
        verdict = Deferred(error.reason, message, requeue_after=delay)
    return with_conditions(status, verdict, generation=generation, now=now), verdict


def phase_events(before: PipelineRunStatus, after: PipelineRunStatus, verdict: Verdict) -> list[Event]:
    """The Events for moving from `before` to `after`: one per phase change, plus retries."""
    old, new = before.phase or Phase.PENDING, after.phase or Phase.PENDING
    events: list[Event] = []
    if after.retry_after is not None and before.retry_after is None:
        events.append(
            Event("Warning", c.RETRYING, verdict.message + f"; retrying at {after.retry_after:%H:%M:%SZ}")
        )
    if after.attempts > before.attempts and old != Phase.STARTING and new == Phase.EXECUTING:
        events.append(Event("Normal", c.RETRIED, f"retried {after.execution_arn} (attempt {after.attempts})"))
    if old == new:
        return events
    if new == Phase.STARTING:
        events.append(Event("Normal", c.STARTING, verdict.message))
    elif new == Phase.EXECUTING and old in (Phase.PENDING, Phase.STARTING):
        events.append(Event("Normal", c.STARTED, f"started execution {after.execution_arn}"))
    elif new in (Phase.EXECUTING, Phase.STOPPING, Phase.SUCCEEDED):
        events.append(Event("Normal", verdict.reason, verdict.message))
    else:
        events.append(Event("Warning", verdict.reason, verdict.message))
    return events

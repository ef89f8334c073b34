"""The PipelineRun decision: run + target + what SageMaker reported + now → actions and new status.

One pure function, `plan_run`, covers the whole life of a run: start (exactly once, by token),
status from polls, cancel, timeout, retry with backoff (never after a Fail step), vanished
executions, and deletion after `ttlSecondsAfterFinished`. Handlers execute the actions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipelinerun import (
    PipelineRun,
    PipelineRunPhase,
    PipelineRunStatus,
    RunStep,
)
from sagemaker_pipelines_operator.errors import Stalled
from sagemaker_pipelines_operator.reconcile.execution import Execution
from sagemaker_pipelines_operator.reconcile.verdict import Event, Verdict
from sagemaker_pipelines_operator.runs.plan.deadlines import timed_out, timeout_in, ttl_expiry
from sagemaker_pipelines_operator.runs.plan.start import (
    RunTarget,
    parameter_problems,
    retry_token,
    start_request,
    stop_token,
)
from sagemaker_pipelines_operator.runs.plan.status import (
    STOP_CANCELLED,
    STOP_DELETED,
    STOP_TIMEOUT,
    blocked_status,
    format_duration,
    phase_events,
    phase_verdict,
    with_conditions,
)
from sagemaker_pipelines_operator.runs.plan.step_events import steps_with_events
from sagemaker_pipelines_operator.runs.plan.steps import (
    failed_by_fail_step,
    failure_reason,
    last_end_time,
    step_summary,
    steps_from_aws,
)

Phase = PipelineRunPhase

PHASE_BY_EXECUTION_STATUS: Mapping[str, Phase] = {
    "Executing": Phase.EXECUTING,
    "Stopping": Phase.STOPPING,
    "Stopped": Phase.STOPPED,
    "Failed": Phase.FAILED,
    "Succeeded": Phase.SUCCEEDED,
    "CompletedWithFailures": Phase.COMPLETED_WITH_FAILURES,
}
ACTIVE_PHASES = frozenset({Phase.STARTING, Phase.EXECUTING, Phase.STOPPING})


@dataclass(frozen=True)
class ObservedExecution:
    """What SageMaker said about the run's execution, from a listing, a Describe or the Start call."""

    arn: str | None
    status: str | None = None
    """PipelineExecutionStatus; None when `missing`."""
    start_time: datetime | None = None
    failure_reason: str | None = None
    step_entries: Sequence[Mapping[str, Any]] | None = None
    """ListPipelineExecutionSteps entries; None when steps were not fetched this time."""
    step_events: Sequence[Mapping[str, Any]] = ()
    """Steps as step events reported them (plan/step_events), taken into the known steps where
    they are news; ignored when `step_entries` were listed."""
    missing: Literal["execution", "pipeline"] | None = None
    """The execution (or its whole pipeline) no longer exists in SageMaker."""

    @classmethod
    def of(
        cls,
        execution: Execution,
        steps: Sequence[Mapping[str, Any]] | None = None,
        step_events: Sequence[Mapping[str, Any]] = (),
    ) -> ObservedExecution:
        """What a listing or a Describe showed, with the steps when they were listed too (or as
        their events reported them)."""
        status, start, failure = execution.status, execution.start_time, execution.failure_reason
        return cls(execution.arn, status, start, failure, step_entries=steps, step_events=step_events)

    def steps(self, known: Sequence[RunStep]) -> list[RunStep] | None:
        """The run's steps after this observation; None when it says nothing of them."""
        if self.step_entries is not None:
            return steps_from_aws(self.step_entries, known)
        return steps_with_events(known, self.step_events) if self.step_events else None


@dataclass(frozen=True)
class StartExecution:
    """Write the returned `Starting` status FIRST, then call StartPipelineExecution, then plan again
    with the result: a crash in between resumes in Starting and replays the same token."""

    request: dict[str, Any]


@dataclass(frozen=True)
class StopExecution:
    arn: str
    token: str
    reason: str


@dataclass(frozen=True)
class RetryExecution:
    arn: str
    token: str
    attempt: int
    parallelism: dict[str, Any] | None = None


@dataclass(frozen=True)
class DeleteRun:
    """ttlSecondsAfterFinished has passed."""


Action = StartExecution | StopExecution | RetryExecution | DeleteRun


@dataclass(frozen=True)
class RunPlan:
    status: PipelineRunStatus
    """The status to write (after the actions succeed; for StartExecution, before it)."""
    verdict: Verdict
    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()
    requeue_after: float | None = None
    """Look again after this many seconds regardless of polling (retry backoff, TTL, timeout)."""
    finished_now: bool = False
    """This plan moves the run into a final phase (count completion metrics once)."""
    notes: dict[str, Any] = field(default_factory=dict)


def plan_run(
    run: PipelineRun, target: RunTarget | None, observed: ObservedExecution | None, now: datetime
) -> RunPlan:
    """Decide the next step of `run`. `target` is needed only before the start; `observed` is the
    poll result for an active run (None when there is no news)."""
    phase = run.status.phase or Phase.PENDING
    if phase.finished:
        return _plan_finished(run, observed, now)
    if phase == Phase.PENDING:
        return _plan_pending(run, target, now)
    if phase == Phase.STARTING and (observed is None or not observed.arn):
        return _replay_start(run, target, now)
    return _plan_active(run, observed, now)


def plan_deletion(run: PipelineRun) -> StopExecution | None:
    """On delete: stop an active execution unless `stopOnDelete: false`."""
    status = run.status
    if not run.spec.stop_on_delete or not status.execution_arn:
        return None
    if (status.phase or Phase.PENDING) not in (Phase.EXECUTING, Phase.STARTING):
        return None
    return StopExecution(status.execution_arn, stop_token(_uid(run)), STOP_DELETED)


def _uid(run: PipelineRun) -> str:
    return str(run.metadata["uid"])


def _generation(run: PipelineRun) -> int | None:
    generation = run.metadata.get("generation")
    return int(generation) if generation is not None else None


def _finish(run: PipelineRun, status: PipelineRunStatus, now: datetime, **kw: Any) -> RunPlan:
    """Common tail: conditions, Events, completion bookkeeping."""
    final_reason = kw.pop("final_reason", None)
    if (status.phase or Phase.PENDING).finished and not (run.status.phase or Phase.PENDING).finished:
        end = status.completion_time or last_end_time(status.steps) or now
        status = status.model_copy(update={"completion_time": end, "retry_after": None})
        kw["finished_now"] = True
    if status.start_time is not None:
        end = status.completion_time or now
        status = status.model_copy(
            update={"duration": format_duration((end - status.start_time).total_seconds())}
        )
    verdict = phase_verdict(status, final_reason)
    status = with_conditions(status, verdict, generation=_generation(run), now=now)
    events = tuple(phase_events(run.status, status, verdict))
    expiry = ttl_expiry(run, status) if kw.get("finished_now") else None
    if expiry is not None:
        kw.setdefault("requeue_after", max(0.0, (expiry - now).total_seconds()))
    return RunPlan(status=status, verdict=verdict, events=events, **kw)


def _plan_pending(run: PipelineRun, target: RunTarget | None, now: datetime) -> RunPlan:
    status = run.status
    if run.spec.cancel:
        stopped = status.model_copy(update={"phase": Phase.STOPPED, "stop_reason": STOP_CANCELLED})
        return _finish(run, stopped, now)
    if target is None:
        raise ValueError("a pending run needs its resolved target")
    problems = parameter_problems(target, run.spec)
    if problems:
        error = Stalled(c.INVALID_PARAMETERS, "; ".join(problems))
        failed, verdict = blocked_status(status, error, generation=_generation(run), now=now)
        event = Event("Warning", error.reason, error.message)
        return RunPlan(failed, verdict, events=(event,), finished_now=True)
    starting = status.model_copy(
        update={
            "phase": Phase.STARTING,
            "pipeline_name": target.pipeline_name,
            "region": target.region,
            "pipeline_version_id": target.version_id,
            "pipeline_version_alias": target.version_alias,
            "lineage": target.lineage,
            "version_lineage": target.version_lineage,
            "definition_hash": target.definition_hash,
            "attempts": 1,
        }
    )
    request = start_request(run, starting, target.source_execution_arn)
    plan = _finish(run, starting, now)
    return RunPlan(plan.status, plan.verdict, actions=(StartExecution(request),), events=plan.events)


def _replay_start(run: PipelineRun, target: RunTarget | None, now: datetime) -> RunPlan:
    """Resumed in Starting: the same request and token; SageMaker answers with the first ARN."""
    source = target.source_execution_arn if target else None
    if source is None and run.spec.selective_execution:
        source = run.spec.selective_execution.source_execution_arn
    request = start_request(run, run.status, source)
    plan = _finish(run, run.status, now)
    return RunPlan(plan.status, plan.verdict, actions=(StartExecution(request),))


def _plan_active(run: PipelineRun, observed: ObservedExecution | None, now: datetime) -> RunPlan:
    before = run.status
    status = before.model_copy(deep=True)
    if observed is None:
        observed = ObservedExecution(arn=before.execution_arn, status=_execution_status(before))
    if observed.arn:
        status.execution_arn = observed.arn
    if observed.missing:
        return _plan_missing(run, status, observed, now)
    seen = _record_observation(before, status, observed, now)
    if seen == Phase.FAILED:
        return _plan_failed(run, status, now)
    if seen == Phase.EXECUTING and before.phase != Phase.STOPPING:
        if run.spec.cancel:
            return _stop(run, status, STOP_CANCELLED, now)
        if timed_out(run, status, now):
            return _stop(run, status, STOP_TIMEOUT, now)
    if seen == Phase.EXECUTING and before.phase == Phase.STOPPING:
        seen = Phase.STOPPING  # our StopPipelineExecution is not visible in the listing yet
    status.phase = seen
    if seen == Phase.STOPPED and status.stop_reason == STOP_TIMEOUT:
        status.failure_reason = f"stopped after timeoutSeconds={run.spec.timeout_seconds}"
    return _finish(run, status, now, requeue_after=timeout_in(run, status, now))


def _record_observation(
    before: PipelineRunStatus, status: PipelineRunStatus, observed: ObservedExecution, now: datetime
) -> Phase:
    """Copy what a poll saw into `status` (start time, steps, attempts, failure, completion) and
    return the phase the execution shows."""
    if observed.start_time is not None:
        status.start_time = observed.start_time
    elif status.start_time is None:
        status.start_time = now
    steps = observed.steps(before.steps)
    if steps is not None:
        status.steps = steps
        status.step_summary = step_summary(steps)
    seen = PHASE_BY_EXECUTION_STATUS.get(observed.status or "", Phase.EXECUTING)
    if before.retry_after is not None and seen == Phase.EXECUTING:
        # The retry took effect (perhaps before a crash let us record it): count the attempt.
        status.attempts = before.attempts + 1
        status.retry_after = None
    if seen.finished and seen != Phase.SUCCEEDED:
        status.failure_reason = _failure_text(seen, status, observed)
    if seen.finished and observed.step_entries is None:
        status.completion_time = now  # the steps we hold end earlier than the execution did
    return seen


def _failure_text(seen: Phase, status: PipelineRunStatus, observed: ObservedExecution) -> str | None:
    if seen in (Phase.FAILED, Phase.COMPLETED_WITH_FAILURES):
        return failure_reason(status.steps, observed.failure_reason)
    return status.failure_reason


def _plan_failed(run: PipelineRun, status: PipelineRunStatus, now: datetime) -> RunPlan:
    """Failed in SageMaker: retry after the backoff when allowed, else the run has failed."""
    policy = run.spec.retry
    fail_step = failed_by_fail_step(status.steps)
    blocked = (
        policy is None
        or status.attempts >= policy.max_attempts
        or fail_step is not None
        or run.spec.cancel
        or timed_out(run, status, now)
        or status.stop_reason is not None
    )
    if blocked:
        status.phase = Phase.FAILED
        if policy and fail_step is not None and status.attempts < policy.max_attempts:
            status.failure_reason = f"{status.failure_reason} (not retried: a Fail step ended the execution)"
        elif policy and run.spec.cancel and status.attempts < policy.max_attempts:
            status.stop_reason = STOP_CANCELLED
        return _finish(run, status, now)
    assert policy is not None  # `blocked` covers None
    status.phase = Phase.EXECUTING
    if status.retry_after is None:
        status.retry_after = now + timedelta(seconds=policy.backoff_seconds)
        return _finish(run, status, now, requeue_after=float(policy.backoff_seconds))
    wait = (status.retry_after - now).total_seconds()
    if wait > 0:
        return _finish(run, status, now, requeue_after=wait)
    attempt = status.attempts + 1
    assert status.execution_arn is not None
    parallelism = (
        {"MaxParallelExecutionSteps": run.spec.parallelism.max_parallel_execution_steps}
        if run.spec.parallelism
        else None
    )
    action = RetryExecution(status.execution_arn, retry_token(_uid(run), attempt), attempt, parallelism)
    status.attempts = attempt
    status.retry_after = None
    plan = _finish(run, status, now)
    return RunPlan(plan.status, plan.verdict, actions=(action,), events=plan.events)


def _stop(run: PipelineRun, status: PipelineRunStatus, reason: str, now: datetime) -> RunPlan:
    assert status.execution_arn is not None
    status.phase = Phase.STOPPING
    status.stop_reason = reason
    action = StopExecution(status.execution_arn, stop_token(_uid(run)), reason)
    plan = _finish(run, status, now)
    return RunPlan(plan.status, plan.verdict, actions=(action,), events=plan.events)


def _plan_missing(
    run: PipelineRun, status: PipelineRunStatus, observed: ObservedExecution, now: datetime
) -> RunPlan:
    """A vanished execution (or pipeline) ends the run with a clear reason instead of a poll loop."""
    status.phase = Phase.FAILED
    if observed.missing == "pipeline":
        status.failure_reason = (
            f"the SageMaker pipeline '{status.pipeline_name}' no longer exists "
            f"(deleted while execution {status.execution_arn} was tracked)"
        )
        return _finish(run, status, now, final_reason=c.PIPELINE_NOT_FOUND)
    status.failure_reason = f"execution {status.execution_arn} no longer exists in SageMaker"
    return _finish(run, status, now, final_reason=c.EXECUTION_NOT_FOUND)


def _plan_finished(run: PipelineRun, observed: ObservedExecution | None, now: datetime) -> RunPlan:
    """A finished run: the final step list when it arrives after the phase (the poller writes a
    phase as soon as a listing shows it and lists the steps when the budget allows), and TTL."""
    status = run.status
    steps = observed.steps(status.steps) if observed is not None else None
    if steps is not None:
        status = status.model_copy(
            update={
                "steps": steps,
                "step_summary": step_summary(steps),
                "completion_time": last_end_time(steps) or status.completion_time,
            }
        )
        if status.start_time is not None and status.completion_time is not None:
            seconds = (status.completion_time - status.start_time).total_seconds()
            status = status.model_copy(update={"duration": format_duration(seconds)})
    verdict = phase_verdict(status, _final_reason_of(status))
    if status is not run.status:
        status = with_conditions(status, verdict, generation=_generation(run), now=now)
    expiry = ttl_expiry(run, status)
    if expiry is None:
        return RunPlan(status, verdict)
    remaining = (expiry - now).total_seconds()
    if remaining <= 0:
        return RunPlan(status, verdict, actions=(DeleteRun(),))
    return RunPlan(status, verdict, requeue_after=remaining)


def _final_reason_of(status: PipelineRunStatus) -> str | None:
    """The reason already written (keeps ExecutionNotFound/InvalidParameters on resume)."""
    ready = next((x for x in status.conditions if x.type == c.READY), None)
    return ready.reason if ready is not None else None


def _execution_status(status: PipelineRunStatus) -> str:
    phase = status.phase or Phase.EXECUTING
    return "Executing" if phase == Phase.STARTING else str(phase)


def plan_retry_refused(run: PipelineRun, plan: RunPlan, message: str, now: datetime) -> RunPlan:
    """SageMaker refused RetryPipelineExecution (a validation error, not a hiccup): the run failed."""
    failed = run.status.failure_reason or "the execution failed"
    status = plan.status.model_copy(
        update={
            "phase": Phase.FAILED,
            "attempts": run.status.attempts,
            "failure_reason": f"{failed}; retry refused: {message}",
        }
    )
    return _finish(run, status, now)

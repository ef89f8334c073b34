"""The one PipelineRun reconciler, used by the kopf handler and the batch poller alike:
observe → plan (`runs/plan/run.plan_run`, pure) → act → write status → one requeue
decision (`runs/plan/polling.next_look`).

Starting a run exactly once is an ordering guarantee kept here: the `Starting` status is written
(and acknowledged by the API server) before StartPipelineExecution; the request and its
ClientRequestToken come from the run's UID, immutable spec and that status only, so a crash
anywhere resumes in `Starting`, sends the same request, and SageMaker replays the first ARN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pydantic import ValidationError

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.metadata import ObjectMeta
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase, PipelineRunStatus
from sagemaker_pipelines_operator.aws.run_executions import ExecutionsFor, RunExecutions
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled
from sagemaker_pipelines_operator.reconcile.verdict import Event, Verdict, ready, transition_event
from sagemaker_pipelines_operator.runs.inputs import RunInputs
from sagemaker_pipelines_operator.runs.plan.deadlines import ttl_expiry
from sagemaker_pipelines_operator.runs.plan.polling import next_look
from sagemaker_pipelines_operator.runs.plan.run import (
    ACTIVE_PHASES,
    DeleteRun,
    ObservedExecution,
    RetryExecution,
    RunPlan,
    StartExecution,
    StopExecution,
    plan_deletion,
    plan_retry_refused,
    plan_run,
)
from sagemaker_pipelines_operator.runs.plan.start import RunTarget, start_request
from sagemaker_pipelines_operator.runs.plan.status import (
    blocked_status,
    phase_verdict,
    untracked_status,
    with_conditions,
)
from sagemaker_pipelines_operator.runs.writer import PLURAL, RunWriter
from sagemaker_pipelines_operator.runtime.kube import ObjectRef

Phase = PipelineRunPhase
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollBounds:
    min_seconds: float
    max_seconds: float


@dataclass(frozen=True)
class Seen:
    """What the poller saw of a tracked run's execution, and the role it looked through."""

    execution: ObservedExecution
    role: str | None


@dataclass(frozen=True)
class RunResult:
    """How a pass left the run, and the one answer to "when next"."""

    ref: ObjectRef
    run: PipelineRun | None
    """The run as written; None when it is gone (deleted by its TTL, or while we looked)."""
    verdict: Verdict
    requeue_after: float | None
    """Seconds until the next look: the poller's first poll of a tracked run, else kopf's requeue."""
    track: bool = False
    """The poller should follow the run's execution, through `role`."""
    role: str | None = None
    started: bool = False
    """This pass started the execution: all SageMaker has said of it is its ARN and Executing."""

    @property
    def delete_at(self) -> datetime | None:
        """ttlSecondsAfterFinished of a finished run (the tracker's expiry deletes it then)."""
        finished = self.run is not None and (self.run.status.phase or Phase.PENDING).finished
        return ttl_expiry(self.run) if finished and self.run is not None else None


class RunReconciler:
    def __init__(
        self,
        inputs: RunInputs,
        writer: RunWriter,
        executions_for: ExecutionsFor,
        role_of: Callable[[str], str | None],
        poll: PollBounds,
    ) -> None:
        self.inputs = inputs
        self.writer = writer
        self.executions_for = executions_for
        self.role_of = role_of
        """Namespace → the role to act through (None: the operator's own); raises when refused."""
        self.poll = poll

    def reconcile(self, run: PipelineRun, now: datetime, seen: Seen | None = None) -> RunResult:
        """One pass over `run`: with `seen` from the poller, or (None) from a kopf event, whose
        body is read afresh first (`_current`). Raises ReconcileError only when that read fails."""
        if seen is None:
            current = self._current(run)
            if current is None:
                return RunResult(run.meta.ref, None, ready("Gone", "the run was deleted or replaced"), None)
            run = current
        try:
            return self._pass(run, now, seen)
        except ReconcileError as exc:
            return self._cannot_proceed(run, exc, now)

    def _current(self, run: PipelineRun) -> PipelineRun | None:
        """The run as the API server has it now; None when it is gone or its name belongs to a
        newer object. kopf may hand a pass a body minutes old: it waits only a few seconds for its
        own patch to come back before it acts on what it has (decision 0071). Acting on an old
        `Starting` sent the start again and wrote `Executing` over the `Succeeded` the poller had
        written meanwhile. The poller's copy needs no read: it is what this process last wrote."""
        ref = run.meta.ref
        body = self.writer.kube.get(PLURAL, ref.namespace, ref.name)
        if body is None or ObjectMeta.of(body["metadata"]).uid != ref.uid:
            return None
        try:
            return PipelineRun.model_validate(body)
        except ValidationError:  # kopf's copy parsed; let the pass go on with it
            return run

    def _pass(self, run: PipelineRun, now: datetime, seen: Seen | None) -> RunResult:
        phase = run.status.phase or Phase.PENDING
        if seen is not None:
            return self._act(run, plan_run(run, None, seen.execution, now), seen.role, None, now)
        if phase.finished:
            return self._result(run, phase_verdict(run.status))
        if phase == Phase.PENDING and run.spec.cancel:
            # Cancelled before starting: no target needed, even if the Pipeline never appears.
            return self._act(run, plan_run(run, None, None, now), None, None, now)
        role = self.role_of(run.meta.namespace)
        if phase in (Phase.EXECUTING, Phase.STOPPING) and run.status.execution_arn:
            return self._resume(run, role, now)
        target = self.inputs.target(run)
        return self._act(run, plan_run(run, target, None, now), role, target, now)

    def _resume(self, run: PipelineRun, role: str | None, now: datetime) -> RunResult:
        """An execution to follow again (after a restart): conditions may still say why it
        could not be tracked before (a refused role); the poller takes it from here."""
        verdict = phase_verdict(run.status)
        status = with_conditions(run.status, verdict, generation=run.meta.generation, now=now)
        return self._written(run, status, [], verdict, now, role=role)

    def _act(
        self, run: PipelineRun, plan: RunPlan, role: str | None, target: RunTarget | None, now: datetime
    ) -> RunResult:
        """Carry out the plan's actions, then write its status."""
        events = list(plan.events)
        for action in plan.actions:
            if isinstance(action, StartExecution):
                return self._start(run, plan, action, role=role, target=target, now=now)
            if isinstance(action, DeleteRun):
                self.writer.delete(run.meta.ref)
                return RunResult(run.meta.ref, None, plan.verdict, None)
            api = self._executions(run, role)
            if isinstance(action, StopExecution):
                try:
                    api.stop(action.arn, action.token)
                except Stalled as exc:  # already stopped or finished: the next poll shows which
                    events.append(
                        Event("Warning", exc.reason, f"StopPipelineExecution refused: {exc.message}")
                    )
            elif isinstance(action, RetryExecution):
                try:
                    api.retry(action.arn, action.token, action.parallelism)
                except Stalled as exc:  # a validation error, not a hiccup: the run has failed
                    plan = plan_retry_refused(run, plan, exc.message, now)
                    events = list(plan.events)
        return self._written(run, plan.status, events, plan.verdict, now, role=role, plan=plan)

    def _start(
        self,
        run: PipelineRun,
        plan: RunPlan,
        action: StartExecution,
        *,
        role: str | None,
        target: RunTarget | None,
        now: datetime,
    ) -> RunResult:
        """The barrier: `Starting` is written before StartPipelineExecution is sent."""
        if run.status.phase != Phase.STARTING:
            written = self.writer.write(run, plan.status, plan.events, finished_now=False, now=now)
            if written is None:
                return RunResult(run.meta.ref, None, plan.verdict, None)
            run = written
        try:
            arn = self._executions(run, role).start(action.request)
        except Stalled as exc:  # refused: no execution exists, and the same request stays refused
            return self._block(run, exc, now)
        started = plan_run(run, target, ObservedExecution(arn=arn, status="Executing"), now)
        first_poll = self.poll.min_seconds
        result = self._written(
            run,
            started.status,
            started.events,
            started.verdict,
            now,
            role=role,
            plan=started,
            first_poll=first_poll,
        )
        return replace(result, started=True)

    def _written(
        self,
        run: PipelineRun,
        status: PipelineRunStatus,
        events: Sequence[Event],
        verdict: Verdict,
        now: datetime,
        *,
        role: str | None = None,
        plan: RunPlan | None = None,
        first_poll: float | None = None,
    ) -> RunResult:
        finished_now = plan.finished_now if plan is not None else False
        written = self.writer.write(run, status, events, finished_now=finished_now, now=now)
        if written is None:
            return RunResult(run.meta.ref, None, verdict, None)
        wait = first_poll if first_poll is not None else plan.requeue_after if plan is not None else None
        return self._result(written, verdict, wait, role)

    def _result(
        self, run: PipelineRun, verdict: Verdict, wait: float | None = None, role: str | None = None
    ) -> RunResult:
        status = run.status
        phase = status.phase or Phase.PENDING
        followed = phase in ACTIVE_PHASES and status.execution_arn is not None and not verdict.retry
        requeue = next_look(
            wait,
            verdict,
            finished=phase.finished,
            poll_min=self.poll.min_seconds,
            poll_max=self.poll.max_seconds,
        )
        return RunResult(run.meta.ref, run, verdict, requeue, followed, role)

    def _cannot_proceed(self, run: PipelineRun, error: ReconcileError, now: datetime) -> RunResult:
        """Write why a pass could not finish. Only a Pending run can be blocked (and failed): from
        Starting on an execution may exist, and it runs whatever we can see."""
        if (run.status.phase or Phase.PENDING) == Phase.PENDING:
            return self._block(run, error, now)
        status, verdict = untracked_status(run.status, error, generation=run.meta.generation, now=now)
        return self._with_event(run, status, verdict, now)

    def _block(self, run: PipelineRun, error: ReconcileError, now: datetime) -> RunResult:
        """Why the run cannot start (Waiting: Pending; Stalled: Failed; Transient: retry)."""
        status, verdict = blocked_status(run.status, error, generation=run.meta.generation, now=now)
        return self._with_event(run, status, verdict, now)

    def _with_event(
        self, run: PipelineRun, status: PipelineRunStatus, verdict: Verdict, now: datetime
    ) -> RunResult:
        event = transition_event(find_condition(run.status.conditions, c.READY), verdict)
        finished = status.phase is not None and status.phase.finished
        ref = run.meta.ref
        written = self.writer.write(run, status, [event] if event else [], finished_now=finished, now=now)
        if written is None:
            return RunResult(ref, None, verdict, None)
        requeue = next_look(
            None, verdict, finished=finished, poll_min=self.poll.min_seconds, poll_max=self.poll.max_seconds
        )
        return RunResult(ref, written, verdict, requeue)

    def stop_on_delete(self, run: PipelineRun) -> None:
        """The run is being deleted: stop its execution unless `stopOnDelete: false`. A run left in
        Starting may or may not have an execution; replaying the start (same token) finds it, so
        nothing keeps running unseen. Raises the taxonomy's errors (Transient: try again)."""
        stop = plan_deletion(run)
        if stop is None and not (run.status.phase == Phase.STARTING and run.spec.stop_on_delete):
            return
        api = self._executions(run, self.role_of(run.meta.namespace))
        if stop is None:
            source = self.inputs.source_arn(run, lenient=True)
            arn = api.start(start_request(run, run.status, source))
            status = run.status.model_copy(update={"execution_arn": arn, "phase": Phase.EXECUTING})
            stop = plan_deletion(run.model_copy(update={"status": status}))
            if stop is None:
                return
        # The status may lag the execution; stopping a finished one is a ConflictException,
        # which looks transient and would hold the finalizer forever.
        described = api.describe(stop.arn)
        if described is None or described.status != "Executing":
            return
        try:
            api.stop(stop.arn, stop.token)
            log.info("stopped %s: PipelineRun %s deleted", stop.arn, run.meta.ref)
        except Stalled as exc:  # refused: nothing left to stop
            log.info("not stopping %s: %s", stop.arn, exc.message)

    def _executions(self, run: PipelineRun, role: str | None) -> RunExecutions:
        return self.executions_for(run.status.region, role)

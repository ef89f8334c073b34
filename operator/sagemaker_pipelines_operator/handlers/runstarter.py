"""Starting a run exactly once, and stopping it on deletion.

The order is the guarantee: the `Starting` status is written (and acknowledged by the API
server) before StartPipelineExecution; the request and its ClientRequestToken come from the
run's UID, immutable spec and that status only. A crash anywhere resumes in `Starting`, sends
the same request, and SageMaker replays the first ARN instead of starting another execution.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase, PipelineRunStatus
from sagemaker_pipelines_operator.aws.executions import describe_execution, start_execution, stop_execution
from sagemaker_pipelines_operator.errors import NotFound, ReconcileError, Stalled, Waiting
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.kube_errors import classify_kube_error
from sagemaker_pipelines_operator.handlers.lineage import lineage_status, read_lineage
from sagemaker_pipelines_operator.handlers.runapply import RunApplier
from sagemaker_pipelines_operator.handlers.runtracker import RunTracker
from sagemaker_pipelines_operator.reconcile.pipelinerun import (
    ObservedExecution,
    StartExecution,
    plan_deletion,
    plan_run,
)
from sagemaker_pipelines_operator.reconcile.runstart import (
    RunTarget,
    resolve_target,
    source_run_arn,
    start_request,
)
from sagemaker_pipelines_operator.reconcile.runstatus import blocked_status, untracked_status
from sagemaker_pipelines_operator.reconcile.verdict import Verdict, transition_event

Phase = PipelineRunPhase
log = logging.getLogger(__name__)


class RunStarter:
    def __init__(self, ctx: OperatorContext, tracker: RunTracker, applier: RunApplier) -> None:
        self.ctx = ctx
        self.tracker = tracker
        self.applier = applier

    def start(self, run: PipelineRun, role: str | None, now: datetime) -> Verdict:
        """Pending or Starting → Executing (tracked), or a clear reason why not."""
        if run.spec.cancel and (run.status.phase or Phase.PENDING) == Phase.PENDING:
            # Cancelled before starting: no target needed, even if the Pipeline never appears.
            cancelled = plan_run(run, None, None, now)
            self.applier.write(run, cancelled.status, list(cancelled.events), finished_now=True, now=now)
            return cancelled.verdict
        try:
            target = self._target(run)
        except ReconcileError as exc:
            return self.block(run, exc, now)
        plan = plan_run(run, target, None, now)
        start = next((a for a in plan.actions if isinstance(a, StartExecution)), None)
        if start is None:  # cancelled before starting, or invalid parameters
            self.applier.write(run, plan.status, list(plan.events), finished_now=plan.finished_now, now=now)
            return plan.verdict
        if run.status.phase != Phase.STARTING:
            run = self.applier.write(run, plan.status, list(plan.events), now=now)
        api = self.ctx.aws.sagemaker(run.status.region, role)
        try:
            arn = start_execution(api, start.request)
        except NotFound as exc:
            return self.block(run, Stalled(c.AWS_REJECTED, exc.message), now)
        except Stalled as exc:
            return self.block(run, exc, now)
        started = plan_run(run, target, ObservedExecution(arn=arn, status="Executing"), now)
        run = self.applier.write(run, started.status, list(started.events), now=now)
        self.tracker.track(run, role, first_poll_in=self.ctx.settings.poll_min_seconds)
        return started.verdict

    def cannot_proceed(self, run: PipelineRun, error: ReconcileError, now: datetime) -> Verdict:
        """Write why a pass over the run could not finish. Only a Pending run can be blocked (and
        failed): from Starting on an execution may exist, and it runs whatever we can see."""
        if (run.status.phase or Phase.PENDING) == Phase.PENDING:
            return self.block(run, error, now)
        generation = run.metadata.get("generation")
        status, verdict = untracked_status(run.status, error, generation=generation, now=now)
        self._write_with_event(run, status, verdict, now)
        return verdict

    def block(self, run: PipelineRun, error: ReconcileError, now: datetime) -> Verdict:
        """Write why the run cannot start (Waiting: Pending; Stalled: Failed; Transient: retry)."""
        generation = run.metadata.get("generation")
        status, verdict = blocked_status(run.status, error, generation=generation, now=now)
        self._write_with_event(run, status, verdict, now)
        return verdict

    def _write_with_event(
        self, run: PipelineRun, status: PipelineRunStatus, verdict: Verdict, now: datetime
    ) -> None:
        event = transition_event(find_condition(run.status.conditions, c.READY), verdict)
        events = [event] if event is not None else []
        finished = status.phase is not None and status.phase.finished
        self.applier.write(run, status, events, finished_now=finished, now=now)

    def stop_on_delete(self, run: PipelineRun, role: str | None) -> None:
        """The run is being deleted: stop its execution unless `stopOnDelete: false`. A run left in
        Starting may or may not have an execution; replaying the start (same token) finds it, so
        nothing keeps running unseen."""
        stop = plan_deletion(run)
        api = self.ctx.aws.sagemaker(run.status.region, role)
        if stop is None and run.status.phase == Phase.STARTING and run.spec.stop_on_delete:
            arn = start_execution(api, start_request(run, run.status, self._source_arn(run, lenient=True)))
            with_arn = run.model_copy(
                update={
                    "status": run.status.model_copy(update={"execution_arn": arn, "phase": Phase.EXECUTING})
                }
            )
            stop = plan_deletion(with_arn)
        if stop is None:
            return
        try:
            # The status may lag the execution; stopping a finished one is a ConflictException,
            # which looks transient and would hold the finalizer forever.
            if describe_execution(api, stop.arn).get("PipelineExecutionStatus") != "Executing":
                return
            stop_execution(api, stop.arn, stop.token)
            log.info("stopped %s: PipelineRun %s deleted", stop.arn, run.metadata.get("name"))
        except (NotFound, Stalled) as exc:  # gone or refused: nothing left to stop
            log.info("not stopping %s: %s", stop.arn, exc.message)

    def _target(self, run: PipelineRun) -> RunTarget:
        status = run.status
        if status.phase == Phase.STARTING and status.pipeline_name and status.region:
            # Resuming: everything the request needs is in the status; the Pipeline may have
            # changed or gone meanwhile, and must not change what is replayed.
            return RunTarget(
                status.pipeline_name, status.region, source_execution_arn=self._source_arn(run, True)
            )
        pipeline = self._pipeline(run)
        return resolve_target(
            run,
            pipeline,
            allow_unmanaged=self.ctx.settings.allow_unmanaged_pipelines,
            default_region=self.ctx.aws.factory.region(None),
            source_execution_arn=self._source_arn(run, lenient=False),
            lineage=lineage_status(read_lineage(self.ctx, run.metadata)),
        )

    def _pipeline(self, run: PipelineRun) -> Pipeline | None:
        if run.spec.pipeline_ref is None:
            return None
        body = self._get(run, "pipelines", run.spec.pipeline_ref.name)
        if body is None:
            return None
        try:
            return Pipeline.model_validate(body)
        except ValidationError:
            raise Waiting(
                c.WAITING_FOR_PIPELINE,
                f"Pipeline '{run.spec.pipeline_ref.name}' has a spec this operator cannot read",
            ) from None

    def _source_arn(self, run: PipelineRun, lenient: bool) -> str | None:
        selective = run.spec.selective_execution
        if selective is None or selective.from_run is None:
            return None
        body = self._get(run, "pipelineruns", selective.from_run)
        source = PipelineRun.model_validate(body) if body is not None else None
        if lenient:
            return source.status.execution_arn if source is not None else None
        return source_run_arn(selective.from_run, source)

    def _get(self, run: PipelineRun, plural: str, name: str) -> dict[str, Any] | None:
        namespace = run.metadata["namespace"]
        try:
            body: dict[str, Any] = self.ctx.custom_objects.get_namespaced_custom_object(
                GROUP, VERSION, namespace, plural, name
            )
            return body
        except Exception as exc:
            error = classify_kube_error(exc, f"{plural} {namespace}/{name}")
            if isinstance(error, NotFound):
                return None
            raise error from exc

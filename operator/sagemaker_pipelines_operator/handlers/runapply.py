"""Carrying out a run plan: the SageMaker actions (stop, retry), the TTL deletion, the status
patch (status subresource, only when something material changed), Events, metrics and the
Pipeline's `latestRun`. Shared by the kopf handlers and the poller."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from kubernetes.client.exceptions import ApiException
from pydantic import BaseModel

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase, PipelineRunStatus
from sagemaker_pipelines_operator.aws.executions import retry_execution, stop_execution
from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi
from sagemaker_pipelines_operator.errors import Stalled
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.events import post_events
from sagemaker_pipelines_operator.handlers.kube_errors import classify_kube_error
from sagemaker_pipelines_operator.handlers.runmetrics import RunMetrics
from sagemaker_pipelines_operator.reconcile.pipelinerun import (
    DeleteRun,
    RetryExecution,
    RunPlan,
    StopExecution,
    plan_retry_refused,
)
from sagemaker_pipelines_operator.reconcile.verdict import Event

KIND = "PipelineRun"
PLURAL = "pipelineruns"
# Fields that change on every look without meaning anything new: never a reason to write.
_VOLATILE = ("duration", "lastPollTime")
log = logging.getLogger(__name__)


def material(status: PipelineRunStatus) -> dict[str, Any]:
    data = dump(status)
    for key in _VOLATILE:
        data.pop(key, None)
    return data


def status_patch(before: BaseModel, after: BaseModel) -> dict[str, Any]:
    """A merge patch from `before` to `after`: cleared fields are sent as null (merge patch
    deletes them), lists are replaced whole."""
    new, old = dump(after), dump(before)
    return {"status": {**{key: None for key in old if key not in new}, **new}}


class RunApplier:
    def __init__(self, ctx: OperatorContext, metrics: RunMetrics) -> None:
        self.ctx = ctx
        self.metrics = metrics
        self.on_finished: list[Callable[[PipelineRun], None]] = []
        """Called after a run's final status is written (schedules wake up for their runs)."""

    def apply(self, run: PipelineRun, plan: RunPlan, api: SageMakerApi | None, now: datetime) -> PipelineRun:
        """Run the plan's actions, then write what changed. Transient and NotFound errors of the
        actions propagate (the caller retries); SageMaker refusals become status."""
        events = list(plan.events)
        for action in plan.actions:
            if isinstance(action, StopExecution):
                assert api is not None
                try:
                    stop_execution(api, action.arn, action.token)
                except Stalled as exc:  # already stopped or finished: the next poll shows which
                    events.append(
                        Event("Warning", exc.reason, f"StopPipelineExecution refused: {exc.message}")
                    )
            elif isinstance(action, RetryExecution):
                assert api is not None
                try:
                    retry_execution(api, action.arn, action.token, action.parallelism)
                except Stalled as exc:
                    plan = plan_retry_refused(run, plan, exc.message, now)
                    events = list(plan.events)
            elif isinstance(action, DeleteRun):
                self.delete(run.metadata)
                return run
        return self.write(run, plan.status, events, finished_now=plan.finished_now, now=now)

    def write(
        self,
        run: PipelineRun,
        status: PipelineRunStatus,
        events: list[Event],
        *,
        finished_now: bool = False,
        now: datetime | None = None,
    ) -> PipelineRun:
        """Patch the status subresource if it changed materially, then Events and metrics. Raises
        NotFound when the run is gone."""
        if material(status) != material(run.status):
            status = status.model_copy(update={"last_poll_time": now or datetime.now(UTC)})
            meta = run.metadata
            try:
                self.ctx.custom_objects.patch_namespaced_custom_object_status(
                    GROUP, VERSION, meta["namespace"], PLURAL, meta["name"], status_patch(run.status, status)
                )
            except Exception as exc:
                raise classify_kube_error(exc, f"{KIND} {meta['namespace']}/{meta['name']} status") from exc
        updated = run.model_copy(update={"status": status})
        post_events(self.ctx, KIND, run.metadata, events)
        self.metrics.observe(updated)
        if finished_now:
            self.metrics.completed(updated)
            for listener in self.on_finished:
                listener(updated)
        if status.phase != run.status.phase:
            self.note_latest_run(updated)
        return updated

    def delete(self, meta: Mapping[str, Any]) -> None:
        """ttlSecondsAfterFinished: delete this very object (a UID precondition guards a namesake)."""
        try:
            self.ctx.custom_objects.delete_namespaced_custom_object(
                GROUP,
                VERSION,
                meta["namespace"],
                PLURAL,
                meta["name"],
                body={"preconditions": {"uid": meta["uid"]}},
            )
        except ApiException as exc:
            # 404: gone already; 409: the name now belongs to a newer object, not ours to delete.
            if exc.status not in (404, 409):
                raise classify_kube_error(exc, f"{KIND} {meta['namespace']}/{meta['name']}") from exc
        except Exception as exc:
            raise classify_kube_error(exc, f"{KIND} {meta['namespace']}/{meta['name']}") from exc
        self.metrics.forget(str(meta["uid"]))

    def note_latest_run(self, run: PipelineRun) -> None:
        """Pipeline status.latestRun {name, phase}: a starting run becomes the latest; later
        phases are written only while it still is. Merge-patches only that key."""
        if run.spec.pipeline_ref is None:
            return
        meta, phase = run.metadata, run.status.phase
        namespace, pipeline = meta["namespace"], run.spec.pipeline_ref.name
        latest = {"name": meta["name"], "phase": str(phase)}
        try:
            if phase != PipelineRunPhase.STARTING:
                current = self.ctx.custom_objects.get_namespaced_custom_object_status(
                    GROUP, VERSION, namespace, "pipelines", pipeline
                )
                recorded = (current.get("status") or {}).get("latestRun") or {}
                if recorded.get("name") not in (None, meta["name"]):
                    return
            self.ctx.custom_objects.patch_namespaced_custom_object_status(
                GROUP, VERSION, namespace, "pipelines", pipeline, {"status": {"latestRun": latest}}
            )
        except Exception as exc:  # the Pipeline may be gone; the run's own status is what matters
            log.info("could not record latestRun on Pipeline %s/%s: %s", namespace, pipeline, exc)

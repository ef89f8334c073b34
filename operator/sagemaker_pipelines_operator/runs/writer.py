"""Writing what a run pass decided: the status patch (status subresource, only when something
material changed), Events, run metrics, the Pipeline's `latestRun`, and the TTL deletion. All
through the Kubernetes seam (runtime/kube.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase, PipelineRunStatus
from sagemaker_pipelines_operator.errors import ReconcileError
from sagemaker_pipelines_operator.reconcile.verdict import Event
from sagemaker_pipelines_operator.runs.metrics import RunMetrics
from sagemaker_pipelines_operator.runtime.kube import KubeObjects, ObjectRef, status_patch

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


class RunWriter:
    def __init__(
        self,
        kube: KubeObjects,
        metrics: RunMetrics,
        on_finished: list[Callable[[PipelineRun], None]] | None = None,
    ) -> None:
        self.kube = kube
        self.metrics = metrics
        self.on_finished = [] if on_finished is None else on_finished
        """Called after a run's final status is written (the TTL, schedules waiting for their runs)."""

    def write(
        self,
        run: PipelineRun,
        status: PipelineRunStatus,
        events: Iterable[Event],
        *,
        finished_now: bool,
        now: datetime,
    ) -> PipelineRun | None:
        """Patch the status if it changed materially, then Events and metrics; None when the run
        is gone."""
        ref = run.meta.ref
        if material(status) != material(run.status):
            status = status.model_copy(update={"last_poll_time": now})
            if not self.kube.patch_status(PLURAL, ref, status_patch(run.status, status)):
                return None
        updated = run.model_copy(update={"status": status})
        for event in events:
            self.kube.post_event(KIND, ref, event)
        self.metrics.observe(updated)
        if finished_now:
            self.metrics.completed(updated)
            for listener in self.on_finished:
                listener(updated)
        if status.phase != run.status.phase:
            self.note_latest_run(updated)
        return updated

    def delete(self, ref: ObjectRef) -> None:
        """ttlSecondsAfterFinished: delete this very object (the UID precondition spares a namesake)."""
        self.kube.delete(PLURAL, ref)
        if ref.uid:
            self.metrics.forget(ref.uid)

    def note_latest_run(self, run: PipelineRun) -> None:
        """Pipeline status.latestRun {name, phase}: a starting run becomes the latest; later
        phases are written only while it still is. Merge-patches only that key."""
        if run.spec.pipeline_ref is None:
            return
        ref = run.meta.ref
        pipeline = ObjectRef(ref.namespace, run.spec.pipeline_ref.name)
        latest = {"name": ref.name, "phase": str(run.status.phase)}
        try:
            if run.status.phase != PipelineRunPhase.STARTING:
                current = self.kube.get("pipelines", pipeline.namespace, pipeline.name)
                recorded = ((current or {}).get("status") or {}).get("latestRun") or {}
                if current is None or recorded.get("name") not in (None, ref.name):
                    return
            self.kube.patch_status("pipelines", pipeline, {"status": {"latestRun": latest}})
        except ReconcileError as exc:  # the run's own status is what matters
            log.info("could not record latestRun on Pipeline %s: %s", pipeline, exc)

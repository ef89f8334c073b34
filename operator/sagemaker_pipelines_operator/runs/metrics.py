"""Run metrics kept from what the operator sees: runs by phase (a gauge that follows every run's
latest phase), completions, durations and the last success per pipeline."""

from __future__ import annotations

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase
from sagemaker_pipelines_operator.metrics import (
    PIPELINE_RUNS,
    record_run_completion,
    record_success_time,
    track_pipeline,
)
from sagemaker_pipelines_operator.observability.tally import GaugeTally

Labels = tuple[str, str, str]  # namespace, pipeline, phase


def pipeline_label(run: PipelineRun) -> str:
    """The Pipeline resource a run belongs to (or the unmanaged SageMaker pipeline's name)."""
    if run.spec.pipeline_ref is not None:
        return run.spec.pipeline_ref.name
    return run.spec.pipeline_name or ""


class RunMetrics:
    """One process-wide instance; `observe` after every status write, `forget` on deletion."""

    def __init__(self) -> None:
        self._by_phase = GaugeTally(PIPELINE_RUNS)

    def observe(self, run: PipelineRun) -> None:
        labels: Labels = (
            str(run.metadata.get("namespace", "")),
            pipeline_label(run),
            str(run.status.phase or PipelineRunPhase.PENDING),
        )
        uid = str(run.metadata.get("uid", ""))
        # The completion series must exist at 0 before a run ends, or increase() misses it.
        track_pipeline(labels[0], labels[1])
        if not self._by_phase.observe(uid, labels):
            return
        if run.status.phase == PipelineRunPhase.SUCCEEDED and run.status.completion_time is not None:
            record_success_time(labels[0], labels[1], run.status.completion_time)

    def forget(self, uid: str) -> None:
        self._by_phase.forget(uid)

    def forget_all(self) -> None:
        """The operator is stopping: its view of runs ends with it."""
        self._by_phase.forget_all()

    def completed(self, run: PipelineRun) -> None:
        """Count a run that just reached a final phase (once, at the transition)."""
        status = run.status
        duration = None
        if status.start_time is not None and status.completion_time is not None:
            duration = max(0.0, (status.completion_time - status.start_time).total_seconds())
        record_run_completion(
            str(run.metadata.get("namespace", "")),
            pipeline_label(run),
            str(status.phase),
            duration_seconds=duration,
            completed_at=status.completion_time,
        )

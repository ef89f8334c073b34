"""A trigger's Ready condition: Listening, Suspended, or the error that keeps its source unread."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.trigger import PipelineTriggerSpec, PipelineTriggerStatus
from sagemaker_pipelines_operator.errors import ReconcileError
from sagemaker_pipelines_operator.reconcile.verdict import Event, apply_verdict, ready, verdict_for_error


def with_readiness(
    metadata: Mapping[str, Any],
    spec: PipelineTriggerSpec | None,
    status: PipelineTriggerStatus,
    error: ReconcileError | None,
    now: datetime,
) -> tuple[PipelineTriggerStatus, Event | None]:
    """The status with Ready set, and the Event when Ready changed (first sight included)."""
    generation = metadata.get("generation")
    if error is not None:
        verdict = verdict_for_error(error)
    elif spec is not None and spec.suspend:
        verdict = ready(c.SUSPENDED, "suspended: no runs are created")
    else:
        verdict = ready(c.LISTENING, f"listening: {_describe(spec)}")
    conditions, event = apply_verdict(status.conditions, verdict, generation=generation, now=now)
    update: dict[str, Any] = {"conditions": conditions, "observed_generation": generation}
    if spec is not None:
        update["source"] = spec.source.kind
    return status.model_copy(update=update), event


def _describe(spec: PipelineTriggerSpec | None) -> str:
    if spec is None:
        return "no source"
    source = spec.source
    if source.sqs is not None:
        return f"queue {source.sqs.queue_url}"
    if source.pipeline_run is not None:
        phases = ", ".join(p.value for p in source.pipeline_run.phases)
        return f"runs of Pipeline {source.pipeline_run.pipeline_ref.name} reaching {phases}"
    return "Alertmanager webhooks"

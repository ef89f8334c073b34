"""Per-pipeline gauges from what the watch shows: Ready (smpo_pipeline_ready), the expected
success interval from the Pipeline's annotation, and their removal when the Pipeline is gone.

Driven by every watch event, status writes included, so the gauges follow the conditions that
the reconcile handlers write without those handlers knowing about metrics.
"""

from __future__ import annotations

from typing import Any

import kopf

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.metrics import forget_pipeline, set_pipeline_ready, track_pipeline
from sagemaker_pipelines_operator.observability.intervals import export_expected_interval
from sagemaker_pipelines_operator.observability.tally import condition_of
from sagemaker_pipelines_operator.reconcile.verdict import Event
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import post_events


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    problems = ctx.annotation_problems

    @kopf.on.event(GROUP, "pipelines", id="pipeline_metrics", registry=registry)
    def export(event: kopf.RawEvent, body: kopf.Body, namespace: str | None, name: str, **_: Any) -> None:
        uid = str(body.metadata.uid)
        if event.get("type") == "DELETED":
            forget_pipeline(str(namespace), name)
            problems.pop(uid, None)
            return
        track_pipeline(str(namespace), name)
        set_pipeline_ready(str(namespace), name, condition_of(body.get("status")) == "Ready")
        problem = export_expected_interval(str(namespace), name, dict(body.metadata.annotations))
        if problem and problems.get(uid) != problem:
            post_events(ctx, "Pipeline", body["metadata"], [Event("Warning", "InvalidAnnotation", problem)])
        problems[uid] = problem

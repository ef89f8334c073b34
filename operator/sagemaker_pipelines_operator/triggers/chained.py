"""The pipelineRun source's pass: list the namespace's runs, take the creation-second baseline on
the first look (suspended or not), turn new upstream completions into runs of this trigger, and
advance the watermark in status."""

from __future__ import annotations

from datetime import datetime

from sagemaker_pipelines_operator.api.trigger import PipelineTrigger, PipelineTriggerStatus
from sagemaker_pipelines_operator.reconcile.envelopes import event_time
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects
from sagemaker_pipelines_operator.triggers import runs as kube
from sagemaker_pipelines_operator.triggers.apply import record, start_runs
from sagemaker_pipelines_operator.triggers.chaining import creation_second_baseline, upstream_events
from sagemaker_pipelines_operator.triggers.plan import run_name_for


def chain_pass(
    ctx: OperatorContext, trigger: PipelineTrigger, status: PipelineTriggerStatus, now: datetime
) -> PipelineTriggerStatus:
    source = trigger.spec.source.pipeline_run
    assert source is not None
    namespace = trigger.metadata["namespace"]
    runs = ApiServerObjects(ctx).list_namespaced(kube.RUNS, namespace)
    created = event_time(str(trigger.metadata.get("creationTimestamp") or ""))
    if status.upstream_baseline is None:  # the first look at the source
        baseline = creation_second_baseline(source, runs, created)
        status = status.model_copy(update={"upstream_baseline": baseline})
    if trigger.spec.suspend:
        # Upstream completions wait in the cluster; a suspended trigger looks at them once resumed.
        return status
    watermark = status.upstream_completion_time
    events = upstream_events(source, runs, created, watermark, status.upstream_baseline or ())
    if not events:
        return status
    existing = {r.name for r in kube.owned_runs(ctx, trigger)}
    # Completions at the watermark whose run exists were handled (and counted) by an earlier pass.
    fresh = [
        e
        for e in events
        if not (watermark and e.time and e.time <= watermark and run_name_for(trigger, e) in existing)
    ]
    if not fresh:
        return status
    after = record(ctx, trigger, start_runs(ctx, trigger, fresh, now), status, now)
    latest = max(e.time for e in fresh if e.time is not None)
    return after.model_copy(update={"upstream_completion_time": latest})

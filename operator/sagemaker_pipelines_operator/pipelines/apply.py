"""Carrying out a Pipeline plan through the SageMaker seam (`aws/pipeline_api.PipelinesApi`): the
definition and tag writes in ACK's order (claim, update, delete tags, add tags), then the version
aliases and the applied version's Git label. What to write was decided by `plan_pipeline`."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY, Pipeline
from sagemaker_pipelines_operator.aws.pipeline_api import PipelinesApi
from sagemaker_pipelines_operator.pipelines.aliases import sync_version_aliases
from sagemaker_pipelines_operator.pipelines.lineage import label_applied_version
from sagemaker_pipelines_operator.pipelines.plan.pipeline import (
    DesiredPipeline,
    PipelineAction,
    PipelinePlan,
    Recorded,
)
from sagemaker_pipelines_operator.pipelines.plan.requests import (
    add_tags_request,
    create_pipeline_request,
    create_token,
    delete_tags_request,
    update_pipeline_request,
)
from sagemaker_pipelines_operator.pipelines.plan.status import Applied
from sagemaker_pipelines_operator.reconcile.lineage import Lineage
from sagemaker_pipelines_operator.reconcile.live_pipeline import LivePipeline
from sagemaker_pipelines_operator.reconcile.verdict import Event


def apply_plan(
    api: PipelinesApi,
    plan: PipelinePlan,
    desired: DesiredPipeline,
    recorded: Recorded,
    live: LivePipeline | None,
    *,
    uid: str,
) -> Applied:
    """Carry out the plan's writes; REPORT and NONE write nothing."""
    if plan.action is PipelineAction.CREATE:
        token = create_token(uid, desired, recorded, recreate=plan.missing)
        arn = api.create(create_pipeline_request(desired, token))
        return Applied(arn, api.latest_version_id(desired.name), None)
    if live is None:  # REPORT of a pipeline that vanished
        return Applied(recorded.arn or "", None, None)
    if plan.action is PipelineAction.REPORT:
        return Applied(live.arn, None, live.last_modified)
    add = dict(plan.add_tags)
    if plan.action is PipelineAction.ADOPT:
        # Claim first: the owner tag tells any other resource to keep off before we change anything.
        api.add_tags(add_tags_request(live.arn, {OWNER_TAG_KEY: add.pop(OWNER_TAG_KEY, desired.owner)}))
    version = None
    if plan.changed:
        version = api.update(update_pipeline_request(desired, plan.changed))
    if plan.delete_tags:  # before adding, so that the 50-tag limit is not hit on the way
        api.delete_tags(delete_tags_request(live.arn, plan.delete_tags))
    if add:
        api.add_tags(add_tags_request(live.arn, add))
    if version is None and (recorded.pipeline_version_id is None or plan.action is PipelineAction.ADOPT):
        version = api.latest_version_id(desired.name)
    return Applied(live.arn, version, None if plan.writes else live.last_modified)


def version_writes(
    api: PipelinesApi,
    pipeline: Pipeline,
    plan: PipelinePlan,
    *,
    desired: DesiredPipeline,
    applied: Applied,
    recorded: Recorded,
    lineage: Lineage | None,
) -> tuple[dict[str, Any], list[Event]]:
    """After the definition is applied: the declared version aliases and the applied version's Git
    label (UpdatePipelineVersion); nothing under REPORT, which writes nothing."""
    if plan.action is PipelineAction.REPORT:
        return {}, []
    version = applied.version_id if applied.version_id is not None else recorded.pipeline_version_id
    fields, events = sync_version_aliases(api, pipeline, desired.name, applied.arn, version)
    return fields | label_applied_version(api, pipeline, applied.arn, version, lineage), events

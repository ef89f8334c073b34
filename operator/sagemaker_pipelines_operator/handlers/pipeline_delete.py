"""Finalizer work for a deleted Pipeline: keep or delete the SageMaker pipeline per deletionPolicy,
stopping its active executions first. Returns only when the finalizer may go."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.aws import pipelines as sm
from sagemaker_pipelines_operator.errors import NotFound, ReconcileError, Waiting
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.events import post_events
from sagemaker_pipelines_operator.handlers.outcome import raise_for_kopf, reconcile_pass, write_verdict
from sagemaker_pipelines_operator.handlers.tenancy import namespace_role_arn
from sagemaker_pipelines_operator.reconcile.pipeline import Ownership, owner_tag_value, ownership
from sagemaker_pipelines_operator.reconcile.pipeline_deletion import (
    DeletionPlan,
    DeletionStep,
    deletion_policy,
    plan_deletion,
    touches_sagemaker,
)
from sagemaker_pipelines_operator.reconcile.pipeline_inputs import sagemaker_name
from sagemaker_pipelines_operator.reconcile.pipeline_requests import request_token
from sagemaker_pipelines_operator.reconcile.verdict import Event, verdict_for_error

STALLED_DELETE_RETRY = 300.0
"""A deletion that needs a person (access denied, say) is retried this rarely, keeping the
finalizer: SageMaker must not be left with a pipeline nobody tracks."""


def delete_pipeline_resource(ctx: OperatorContext, body: Any, patch: Any, kind: str) -> None:
    """Run one deletion pass; kopf is asked to come back (outcome.raise_for_kopf) until the
    finalizer may be removed."""
    with reconcile_pass(kind) as record:
        try:
            plan = _deletion_work(ctx, body, kind)
        except ReconcileError as exc:
            verdict = verdict_for_error(exc)
            write_verdict(ctx, kind, body, patch, verdict)
            record(verdict.result)
            if verdict.stalled:  # kept as Stalled=True, but looked at again: the finalizer stays
                verdict = replace(verdict, requeue_after=STALLED_DELETE_RETRY)
            raise_for_kopf(verdict)
            raise  # a verdict without requeue cannot come from an error; never drop the finalizer
        record("success")
    kind_of_event = "Warning" if plan.step is DeletionStep.NOT_OURS else "Normal"
    reasons = {
        DeletionStep.RETAIN: c.RETAINED,
        DeletionStep.NOT_OURS: c.NOT_DELETED,
        DeletionStep.DELETE: c.DELETED,
    }
    if plan.step in reasons:
        post_events(ctx, kind, body["metadata"], [Event(kind_of_event, reasons[plan.step], plan.message)])


def _deletion_work(ctx: OperatorContext, body: Any, kind: str) -> DeletionPlan:
    try:
        pipeline = Pipeline.model_validate(dict(body))
    except ValidationError:
        # A spec the models never accepted never reached SageMaker: nothing to clean up.
        return DeletionPlan(DeletionStep.RETAIN, "spec cannot be read; SageMaker left untouched")
    meta = body["metadata"]
    name = sagemaker_name(pipeline)
    policy = deletion_policy(pipeline.spec.deletion_policy, ctx.settings.default_deletion_policy)
    if not touches_sagemaker(policy):
        return plan_deletion(name, policy, None)
    role = namespace_role_arn(ctx, str(meta["namespace"]))
    api = ctx.aws.sagemaker(pipeline.spec.region, role)
    description = sm.describe_pipeline(api, name)
    if description is None:
        return plan_deletion(name, policy, None)
    owner = owner_tag_value(ctx.settings.cluster_id, str(meta["namespace"]), str(meta["name"]))
    owned = ownership(sm.list_tags(api, str(description["PipelineArn"])), owner)
    executions = sm.list_pipeline_executions(api, name) if owned is Ownership.OURS else []
    plan = plan_deletion(name, policy, owned, executions)
    if plan.step is DeletionStep.STOP:
        for arn in plan.stop:
            try:
                sm.stop_pipeline_execution(api, arn, request_token(str(meta["uid"]), "stop", arn))
            except NotFound:
                continue  # finished and gone between listing and stopping
        post_events(ctx, kind, meta, [Event("Normal", c.STOPPING_EXECUTIONS, plan.message)])
    if plan.step in (DeletionStep.STOP, DeletionStep.WAIT):
        raise Waiting(c.DELETING, plan.message, delay=ctx.settings.poll_min_seconds)
    if plan.step is DeletionStep.DELETE:
        sm.delete_pipeline(api, name, request_token(str(meta["uid"]), "delete", name))
    return plan

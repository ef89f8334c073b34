"""The finalizer's work for a deleted Pipeline: keep or delete the SageMaker pipeline per
deletionPolicy, stopping its active executions first (`pipelines/plan/deletion.plan_deletion`
decides each step). Its result keeps the finalizer until the step says it may go."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.metadata import ObjectMeta
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.aws.pipeline_api import PipelinesFor
from sagemaker_pipelines_operator.errors import ReconcileError, Waiting
from sagemaker_pipelines_operator.pipelines.plan.deletion import (
    DeletionPlan,
    DeletionStep,
    deletion_policy,
    plan_deletion,
    touches_sagemaker,
)
from sagemaker_pipelines_operator.pipelines.plan.inputs import sagemaker_name
from sagemaker_pipelines_operator.pipelines.plan.pipeline import Ownership, owner_tag_value, ownership
from sagemaker_pipelines_operator.pipelines.plan.requests import request_token
from sagemaker_pipelines_operator.pipelines.seams import KIND, PipelineResult, PipelineSettings
from sagemaker_pipelines_operator.reconcile.verdict import Event, Requeue, Verdict, ready, requeue_of
from sagemaker_pipelines_operator.runtime.outcome import reconcile_pass

STALLED_DELETE_RETRY = 300.0
"""A deletion that needs a person (access denied, say) is retried this rarely, keeping the
finalizer: SageMaker must not be left with a pipeline nobody tracks."""
_DONE_EVENTS = {
    DeletionStep.RETAIN: ("Normal", c.RETAINED),
    DeletionStep.NOT_OURS: ("Warning", c.NOT_DELETED),
    DeletionStep.DELETE: ("Normal", c.DELETED),
}

Post = Callable[[Sequence[Event]], None]


class PipelineDeleter:
    def __init__(
        self,
        pipelines_for: PipelinesFor,
        role_of: Callable[[str], str | None],
        settings: PipelineSettings,
        write_error: Callable[[Mapping[str, Any], ObjectMeta, ReconcileError], Verdict],
    ) -> None:
        self.pipelines_for = pipelines_for
        self.role_of = role_of
        self.settings = settings
        self.write_error = write_error
        """Writes why a pass could not finish (conditions, Event) and returns its verdict."""

    def delete(self, body: Mapping[str, Any], meta: ObjectMeta, post: Post) -> PipelineResult:
        """One deletion pass; a result without requeue lets the finalizer go."""
        with reconcile_pass(KIND) as record:
            try:
                plan = self._step(body, meta, post)
            except ReconcileError as exc:
                verdict = self.write_error(body, meta, exc)
                record(verdict.result)
                # Kept as Stalled=True, but looked at again: the finalizer stays.
                return PipelineResult(verdict, requeue_of(verdict) or Requeue(STALLED_DELETE_RETRY, False))
            record("success")
        if plan.step in _DONE_EVENTS:
            kind, reason = _DONE_EVENTS[plan.step]
            post([Event(kind, reason, plan.message)])
        return PipelineResult(ready(c.DELETED, plan.message), None)

    def _step(self, body: Mapping[str, Any], meta: ObjectMeta, post: Post) -> DeletionPlan:
        try:
            pipeline = Pipeline.model_validate(dict(body))
        except ValidationError:
            # A spec the models never accepted never reached SageMaker: nothing to clean up.
            return DeletionPlan(DeletionStep.RETAIN, "spec cannot be read; SageMaker left untouched")
        name = sagemaker_name(pipeline)
        policy = deletion_policy(pipeline.spec.deletion_policy, self.settings.default_deletion_policy)
        if not touches_sagemaker(policy):
            return plan_deletion(name, policy, None)
        api = self.pipelines_for(pipeline.spec.region, self.role_of(meta.namespace))
        live = api.describe(name)
        if live is None:
            return plan_deletion(name, policy, None)
        owned = ownership(live.tags, owner_tag_value(self.settings.cluster_id, meta.namespace, meta.name))
        executions = api.executions(name) if owned is Ownership.OURS else []
        plan = plan_deletion(name, policy, owned, executions)
        if plan.step is DeletionStep.STOP:
            for arn in plan.stop:  # an execution gone between listing and stopping needs no stop
                api.stop_execution(arn, request_token(str(meta.uid), "stop", arn))
            post([Event("Normal", c.STOPPING_EXECUTIONS, plan.message)])
        if plan.step in (DeletionStep.STOP, DeletionStep.WAIT):
            raise Waiting(c.DELETING, plan.message, delay=self.settings.deletion_poll_seconds)
        if plan.step is DeletionStep.DELETE:
            api.delete(name, request_token(str(meta.uid), "delete", name))
        return plan

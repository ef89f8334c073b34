"""Pipeline handlers: kopf wiring for changes (spec or ConfigMap source), the periodic drift check,
deletion, and the ConfigMap watch. Each handler delegates to one function."""

from __future__ import annotations

from typing import Any

import kopf
from pydantic import ValidationError

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition, rfc3339
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.aws.pipeline_listing import PipelineListing
from sagemaker_pipelines_operator.errors import ReconcileError
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.kube import ApiServerObjects
from sagemaker_pipelines_operator.handlers.outcome import now, run_pass
from sagemaker_pipelines_operator.handlers.pipeline_delete import delete_pipeline_resource
from sagemaker_pipelines_operator.handlers.pipeline_source import (
    SOURCE_ANNOTATION,
    configmap_index_entry,
    notify_pipelines,
    s3_source_moved,
)
from sagemaker_pipelines_operator.handlers.pipeline_sync import forget_pipeline, pipeline_lock, sync_pipeline
from sagemaker_pipelines_operator.handlers.tenancy import namespace_role_arn
from sagemaker_pipelines_operator.reconcile.pipeline_inputs import recorded_from
from sagemaker_pipelines_operator.reconcile.pipeline_resync import (
    ResyncAction,
    resync_action,
    resync_precheck,
)

KIND = "Pipeline"
PLURAL = "pipelines"


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    # Half the interval: a pipeline's check uses a listing at most half an interval old.
    listing = PipelineListing(max_age=ctx.settings.resync_seconds / 2)

    @kopf.index(GROUP, PLURAL, id="pipelines_by_configmap", registry=registry)
    def pipelines_by_configmap(
        namespace: str | None, name: str, spec: kopf.Spec, annotations: kopf.Annotations, **_: Any
    ) -> dict[tuple[str, str], tuple[str, str, str | None]]:
        return configmap_index_entry(str(namespace), name, spec, annotations)

    @kopf.on.resume(GROUP, PLURAL, id="reconcile", registry=registry)
    @kopf.on.create(GROUP, PLURAL, id="reconcile", registry=registry)
    @kopf.on.update(GROUP, PLURAL, id="reconcile", field="spec", registry=registry)
    @kopf.on.update(
        GROUP, PLURAL, id="source", field=("metadata", "annotations", SOURCE_ANNOTATION), registry=registry
    )
    def reconcile(body: kopf.Body, patch: kopf.Patch, retry: int, **_: Any) -> None:
        with pipeline_lock(ctx, str(body.metadata.uid)):
            run_pass(ctx, KIND, body, patch, lambda: sync_pipeline(ctx, body, attempt=retry))

    @kopf.timer(
        GROUP,
        PLURAL,
        id="resync",
        interval=ctx.settings.resync_seconds,
        initial_delay=ctx.settings.resync_seconds,
        registry=registry,
    )
    def resync(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        with pipeline_lock(ctx, str(body.metadata.uid)):
            resync_pipeline(ctx, str(body.metadata.namespace), str(body.metadata.name), patch, listing)

    @kopf.on.delete(GROUP, PLURAL, id="delete", registry=registry)
    def delete(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        with pipeline_lock(ctx, str(body.metadata.uid)):
            delete_pipeline_resource(ctx, body, patch, KIND)
        forget_pipeline(ctx, str(body.metadata.uid))

    @kopf.on.event("", "v1", "configmaps", id="configmap_changed", registry=registry)
    def configmap_changed(
        event: kopf.RawEvent, namespace: str | None, name: str, body: kopf.Body, **kwargs: Any
    ) -> None:
        index: kopf.Index[tuple[str, str], tuple[str, str, str | None]] = kwargs["pipelines_by_configmap"]
        readers = list(index.get((str(namespace), name), []))
        if readers:
            configmap = None if event.get("type") == "DELETED" else dict(body)
            notify_pipelines(ctx, str(namespace), configmap, readers)


def resync_pipeline(
    ctx: OperatorContext, namespace: str, name: str, patch: Any, listing: PipelineListing
) -> None:
    """The periodic drift check of one Pipeline, on a fresh read of the object: the timer's body
    may predate a pass that a change handler has just finished."""
    body = ApiServerObjects(ctx).get(PLURAL, namespace, name)
    if body is None or body["metadata"].get("deletionTimestamp"):
        return
    try:
        action = _resync_action(ctx, body, listing)
    except ValidationError:
        return  # already Stalled with InvalidSpec by the change handler
    except ReconcileError:
        action = ResyncAction.RECONCILE  # a full pass writes what went wrong
    if action is ResyncAction.CONFIRM:
        patch.status["lastSyncTime"] = rfc3339(now())
    elif action is ResyncAction.RECONCILE:
        run_pass(ctx, KIND, body, patch, lambda: sync_pipeline(ctx, body))


def _resync_action(ctx: OperatorContext, body: dict[str, Any], listing: PipelineListing) -> ResyncAction:
    pipeline = Pipeline.model_validate(body)
    status = pipeline.status
    stalled = find_condition(status.conditions, c.STALLED)
    reconciling = find_condition(status.conditions, c.RECONCILING)
    recorded = recorded_from(status)
    early = resync_precheck(
        recorded,
        stalled_reason=stalled.reason if stalled is not None and stalled.status == "True" else None,
        in_progress=body["metadata"].get("generation") != status.observed_generation
        or (reconciling is not None and reconciling.status == "True"),
    )
    if early is not None:
        return early
    role = namespace_role_arn(ctx, str(body["metadata"]["namespace"]))
    region = ctx.aws.factory.region(pipeline.spec.region)
    summary = listing.summary(ctx.aws.sagemaker(region, role), str(recorded.pipeline_name))
    moved = s3_source_moved(ctx, pipeline, region, role, recorded.definition_hash)
    return resync_action(recorded, summary, source_moved=moved)

"""Pipeline handlers: kopf wiring for changes (spec or ConfigMap source), the periodic drift check,
deletion, and the ConfigMap watch. Each handler hands its object to `PipelineReconciler`."""

from __future__ import annotations

from typing import Any

import kopf

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.aws.pipeline_api import SageMakerPipelines
from sagemaker_pipelines_operator.aws.pipeline_listing import PipelineListing
from sagemaker_pipelines_operator.pipelines.reconciler import PipelineReconciler
from sagemaker_pipelines_operator.pipelines.seams import PLURAL, PipelineResult, PipelineSettings
from sagemaker_pipelines_operator.pipelines.source import (
    SOURCE_ANNOTATION,
    ClusterSources,
    configmap_index_entry,
    notify_pipelines,
)
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects, ObjectRef
from sagemaker_pipelines_operator.runtime.tenancy import namespace_role_arn


def pipeline_reconciler(ctx: OperatorContext) -> PipelineReconciler:
    """The reconciler with the real seams: the API server, and SageMaker through the shared budget."""
    # Half the interval: a pipeline's check uses a listing at most half an interval old.
    listing = PipelineListing(max_age=ctx.settings.resync_seconds / 2)
    settings = PipelineSettings(
        cluster_id=ctx.settings.cluster_id,
        default_deletion_policy=ctx.settings.default_deletion_policy,
        deletion_poll_seconds=ctx.settings.poll_min_seconds,
        region_of=ctx.aws.factory.region,
    )
    return PipelineReconciler(
        ApiServerObjects(ctx),
        lambda region, role: SageMakerPipelines(ctx.aws.sagemaker(region, role), listing),
        ClusterSources(ctx),
        lambda namespace: namespace_role_arn(ctx, namespace),
        settings,
    )


def come_back(result: PipelineResult | None) -> None:
    """kopf's control flow for a pass's requeue: come back then, or done."""
    if result is not None and result.requeue is not None:
        raise kopf.TemporaryError(result.verdict.message, delay=result.requeue.after)


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    reconciler = pipeline_reconciler(ctx)

    @kopf.index(GROUP, PLURAL, id="pipelines_by_configmap", registry=registry)
    def pipelines_by_configmap(
        namespace: str | None, name: str, spec: kopf.Spec, annotations: kopf.Annotations, **_: Any
    ) -> dict[tuple[str, str], tuple[str, str, str | None]]:
        return configmap_index_entry(str(namespace), name, spec, annotations)

    @kopf.on.resume(GROUP, PLURAL, id="reconcile", registry=registry)
    def resume(body: kopf.Body, retry: int, **_: Any) -> None:
        come_back(reconciler.resume(body, attempt=retry))

    @kopf.on.create(GROUP, PLURAL, id="reconcile", registry=registry)
    @kopf.on.update(GROUP, PLURAL, id="reconcile", field="spec", registry=registry)
    @kopf.on.update(
        GROUP, PLURAL, id="source", field=("metadata", "annotations", SOURCE_ANNOTATION), registry=registry
    )
    def reconcile(body: kopf.Body, retry: int, **_: Any) -> None:
        come_back(reconciler.reconcile(body, attempt=retry))

    @kopf.timer(
        GROUP,
        PLURAL,
        id="resync",
        interval=ctx.settings.resync_seconds,
        initial_delay=ctx.settings.resync_seconds,
        registry=registry,
    )
    def resync(body: kopf.Body, **_: Any) -> None:
        come_back(reconciler.resync(ObjectRef.of(body["metadata"])))

    @kopf.on.delete(GROUP, PLURAL, id="delete", registry=registry)
    def delete(body: kopf.Body, **_: Any) -> None:
        come_back(reconciler.delete(body))

    @kopf.on.event("", "v1", "configmaps", id="configmap_changed", registry=registry)
    def configmap_changed(
        event: kopf.RawEvent, namespace: str | None, name: str, body: kopf.Body, **kwargs: Any
    ) -> None:
        index: kopf.Index[tuple[str, str], tuple[str, str, str | None]] = kwargs["pipelines_by_configmap"]
        readers = list(index.get((str(namespace), name), []))
        if readers:
            configmap = None if event.get("type") == "DELETED" else dict(body)
            notify_pipelines(ctx, str(namespace), configmap, readers)

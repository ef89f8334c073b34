"""Reads a Pipeline's definition from its source (inline, ConfigMap key, S3 object) and tells
Pipelines when a ConfigMap they read changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipeline import ConfigMapKeyReference, Pipeline, S3Location
from sagemaker_pipelines_operator.aws.s3_objects import get_object_bytes
from sagemaker_pipelines_operator.definition import definition_hash
from sagemaker_pipelines_operator.errors import ReconcileError, Waiting
from sagemaker_pipelines_operator.pipelines.plan.inputs import checked_definition, definition_source_label
from sagemaker_pipelines_operator.reconcile.backoff import backoff_delay
from sagemaker_pipelines_operator.reconcile.lineage import Lineage
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects, ObjectRef
from sagemaker_pipelines_operator.runtime.lineage import read_lineage

SOURCE_ANNOTATION = "source.sagemaker.pipelines.dev/configmap-revision"
"""Set on a Pipeline when its ConfigMap changes, which re-runs its update handler. Outside our
group's prefix on purpose: kopf leaves annotations under its storage prefix out of its diffs."""

MISSING_SOURCE_RETRY = 30.0
"""Longest wait before looking again for a missing ConfigMap or S3 object."""


def missing_source_delay(attempt: int) -> float:
    """1, 2, 4 ... 30 s: a ConfigMap applied in the same sync as its Pipeline is found within
    seconds (kopf holds the annotation-triggered pass back until a pending retry has run)."""
    return backoff_delay(attempt, first=1.0, cap=MISSING_SOURCE_RETRY)


def load_definition(
    ctx: OperatorContext, pipeline: Pipeline, region: str, role: str | None, *, attempt: int = 0
) -> dict[str, Any]:
    """The parsed, validated definition; Waiting when the source is missing, Stalled when invalid.
    `attempt` counts the retries of this pass so far (kopf's `retry`)."""
    source = pipeline.spec.definition
    label = definition_source_label(pipeline)
    raw: str | bytes | Mapping[str, Any]
    try:
        if source.config_map_ref is not None:
            raw = _configmap_value(ctx, pipeline.meta.namespace, source.config_map_ref)
        elif source.s3 is not None:
            raw = _s3_object(ctx, source.s3, region, role)
        else:
            raw = source.inline or {}
    except Waiting as exc:
        raise Waiting(exc.reason, exc.message, delay=missing_source_delay(attempt)) from exc
    return checked_definition(raw, label)


def s3_source_moved(
    ctx: OperatorContext, pipeline: Pipeline, region: str, role: str | None, applied_hash: str | None
) -> bool:
    """For an unpinned S3 source: does the object now hold another definition than the applied one?"""
    s3 = pipeline.spec.definition.s3
    if s3 is None or s3.version_id:
        return False
    try:
        return definition_hash(load_definition(ctx, pipeline, region, role)) != applied_hash
    except ReconcileError:
        return True  # a full pass reports what is wrong with the source


def _configmap_value(ctx: OperatorContext, namespace: str, ref: ConfigMapKeyReference) -> str | bytes:
    configmap = ApiServerObjects(ctx).config_map(namespace, ref.name)
    if configmap is None:
        raise Waiting(
            c.DEFINITION_SOURCE_NOT_FOUND,
            f"configMap {ref.name} not found in namespace {namespace}",
            delay=MISSING_SOURCE_RETRY,
        )
    value = configmap.value(ref.key)
    if value is not None:
        return value
    keys = ", ".join(configmap.keys()) or "none"
    raise Waiting(
        c.DEFINITION_SOURCE_NOT_FOUND,
        f"configMap {ref.name} has no key {ref.key} (keys: {keys})",
        delay=MISSING_SOURCE_RETRY,
    )


def _s3_object(ctx: OperatorContext, s3: S3Location, region: str, role: str | None) -> bytes:
    client = ctx.aws.factory.client("s3", region, role)
    body = get_object_bytes(client, s3.bucket, s3.key, s3.version_id)
    if body is None:
        raise Waiting(
            c.DEFINITION_SOURCE_NOT_FOUND,
            f"s3://{s3.bucket}/{s3.key}: not found (no such bucket, key or version)",
            delay=MISSING_SOURCE_RETRY,
        )
    return body


def configmap_revision(body: Mapping[str, Any] | None, key: str) -> str:
    """A short digest of one key of a ConfigMap ("absent" when the map or key is missing)."""
    if body is None:
        return "absent"
    value = (body.get("data") or {}).get(key)
    if value is None:
        value = (body.get("binaryData") or {}).get(key)
    if value is None:
        return "absent"
    return hashlib.sha256(str(value).encode()).hexdigest()[:16]


def configmap_index_entry(
    namespace: str, name: str, spec: Mapping[str, Any], annotations: Mapping[str, str]
) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    """Index entry of a Pipeline: (namespace, configMap) -> (pipeline, key, revision it last saw)."""
    ref = (spec.get("definition") or {}).get("configMapRef")
    if not ref or not ref.get("name"):
        return {}
    return {
        (namespace, str(ref["name"])): (name, str(ref.get("key", "")), annotations.get(SOURCE_ANNOTATION))
    }


def notify_pipelines(
    ctx: OperatorContext,
    namespace: str,
    configmap: Mapping[str, Any] | None,
    readers: Iterable[tuple[str, str, str | None]],
) -> None:
    """Annotate each reader whose key's revision moved, so its update handler re-reads the source."""
    kube = ApiServerObjects(ctx)
    for pipeline, key, seen in readers:
        revision = configmap_revision(configmap, key)
        if revision == seen:
            continue
        patch = {"metadata": {"annotations": {SOURCE_ANNOTATION: revision}}}
        kube.patch("pipelines", ObjectRef(namespace, pipeline), patch)  # a reader gone needs no news


class ClusterSources:
    """`PipelineSources` from the cluster and S3, through the operator's clients."""

    def __init__(self, ctx: OperatorContext) -> None:
        self._ctx = ctx

    def definition(self, pipeline: Pipeline, region: str, role: str | None, attempt: int) -> dict[str, Any]:
        return load_definition(self._ctx, pipeline, region, role, attempt=attempt)

    def source_moved(
        self, pipeline: Pipeline, region: str, role: str | None, applied_hash: str | None
    ) -> bool:
        return s3_source_moved(self._ctx, pipeline, region, role, applied_hash)

    def lineage(self, metadata: Mapping[str, Any]) -> Lineage | None:
        return read_lineage(self._ctx, metadata)

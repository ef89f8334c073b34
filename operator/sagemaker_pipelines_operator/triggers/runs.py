"""The Kubernetes side of a trigger: its owned runs, creating them idempotently, cancelling and
deleting them, and writing its status and Events. Every source uses these."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.api.trigger import PipelineTrigger, PipelineTriggerStatus
from sagemaker_pipelines_operator.errors import Transient
from sagemaker_pipelines_operator.reconcile.verdict import Event
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects, ObjectRef, post_events, status_patch
from sagemaker_pipelines_operator.triggers.plan import TRIGGER_UID_LABEL, TriggerRun

KIND = "PipelineTrigger"
PLURAL = "pipelinetriggers"
RUNS = "pipelineruns"
log = logging.getLogger(__name__)


class RunConflict(Transient):
    """A run of the derived name exists but belongs to someone else: the event stays unhandled."""


def owned_runs(ctx: OperatorContext, trigger: PipelineTrigger) -> list[TriggerRun]:
    meta = trigger.metadata
    selector = f"{TRIGGER_UID_LABEL}={meta['uid']}"
    listed = ApiServerObjects(ctx).list_namespaced(RUNS, meta["namespace"], label_selector=selector)
    return [run for item in listed if (run := _owned(item, str(meta["uid"])))]


def _owned(item: dict[str, Any], uid: str) -> TriggerRun | None:
    meta = item["metadata"]
    if not any(o.get("uid") == uid for o in meta.get("ownerReferences") or []):
        return None  # a copied label is not ownership
    phase = str((item.get("status") or {}).get("phase") or "")
    created = meta.get("creationTimestamp")
    return TriggerRun(
        name=meta["name"],
        created=datetime.fromisoformat(str(created).replace("Z", "+00:00")) if created else None,
        phase=PipelineRunPhase(phase) if phase in set(PipelineRunPhase) else None,
        cancel=bool((item.get("spec") or {}).get("cancel")),
    )


def create_run(ctx: OperatorContext, trigger: PipelineTrigger, manifest: dict[str, Any]) -> bool:
    """Create the run; True when created, False when this trigger had created it already
    (AlreadyExists with our owner: a redelivered event). RunConflict when someone else owns it."""
    found = ApiServerObjects(ctx).create(RUNS, trigger.metadata["namespace"], manifest)
    if not found.new and _owned(found.body, str(trigger.metadata["uid"])) is None:
        name = manifest["metadata"]["name"]
        raise RunConflict("RunConflict", f"PipelineRun {name} exists and is not owned by this trigger")
    return found.new


def cancel_run(ctx: OperatorContext, namespace: str, name: str) -> None:
    """Ask the run to stop; a run that is gone already needs nothing."""
    ApiServerObjects(ctx).patch(RUNS, ObjectRef(namespace, name), {"spec": {"cancel": True}})


def delete_run(ctx: OperatorContext, namespace: str, name: str) -> None:
    """Delete a run beyond the trigger's history; one that is gone already needs nothing."""
    ApiServerObjects(ctx).delete(RUNS, ObjectRef(namespace, name))


def write_status(
    ctx: OperatorContext,
    meta: Mapping[str, Any],
    before: PipelineTriggerStatus,
    after: PipelineTriggerStatus,
) -> None:
    """Merge-patch the status when it changed (this trigger's loop is its only writer); a field
    the new status cleared is removed, as for every other kind (`status_patch`)."""
    if dump(after) == dump(before):
        return
    ref = ObjectRef(str(meta["namespace"]), str(meta["name"]))
    ApiServerObjects(ctx).patch_status(PLURAL, ref, status_patch(before, after))


def post(ctx: OperatorContext, meta: Mapping[str, Any], events: Iterable[Event]) -> None:
    post_events(ctx, KIND, meta, events)

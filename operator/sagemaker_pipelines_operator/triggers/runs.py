"""The Kubernetes side of a trigger: its owned runs, creating them idempotently, cancelling and
deleting them, and writing its status and Events. Every source uses these."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from kubernetes.client.exceptions import ApiException

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.api.trigger import PipelineTrigger, PipelineTriggerStatus
from sagemaker_pipelines_operator.errors import Transient
from sagemaker_pipelines_operator.reconcile.verdict import Event
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.events import post_events
from sagemaker_pipelines_operator.runtime.kube_errors import classify_kube_error
from sagemaker_pipelines_operator.triggers.plan import TRIGGER_UID_LABEL, TriggerRun

KIND = "PipelineTrigger"
PLURAL = "pipelinetriggers"
RUNS = "pipelineruns"
log = logging.getLogger(__name__)


class RunConflict(Transient):
    """A run of the derived name exists but belongs to someone else: the event stays unhandled."""


def owned_runs(ctx: OperatorContext, trigger: PipelineTrigger) -> list[TriggerRun]:
    meta = trigger.metadata
    try:
        listing = ctx.custom_objects.list_namespaced_custom_object(
            GROUP, VERSION, meta["namespace"], RUNS, label_selector=f"{TRIGGER_UID_LABEL}={meta['uid']}"
        )
    except Exception as exc:
        raise classify_kube_error(exc, f"runs of {KIND} {meta['name']}") from exc
    return [run for item in listing.get("items", []) if (run := _owned(item, str(meta["uid"])))]


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
    namespace, name = trigger.metadata["namespace"], manifest["metadata"]["name"]
    api = ctx.custom_objects
    try:
        api.create_namespaced_custom_object(GROUP, VERSION, namespace, RUNS, manifest)
        return True
    except ApiException as exc:
        if exc.status != 409:
            raise classify_kube_error(exc, f"{KIND}: create run {name}") from exc
    except Exception as exc:
        raise classify_kube_error(exc, f"{KIND}: create run {name}") from exc
    try:
        existing = api.get_namespaced_custom_object(GROUP, VERSION, namespace, RUNS, name)
    except Exception as exc:
        raise classify_kube_error(exc, f"{KIND}: read run {name}") from exc
    if _owned(existing, str(trigger.metadata["uid"])) is None:
        raise RunConflict("RunConflict", f"PipelineRun {name} exists and is not owned by this trigger")
    return False


def cancel_run(ctx: OperatorContext, namespace: str, name: str) -> None:
    _call(ctx.custom_objects.patch_namespaced_custom_object, namespace, name, {"spec": {"cancel": True}})


def delete_run(ctx: OperatorContext, namespace: str, name: str) -> None:
    _call(ctx.custom_objects.delete_namespaced_custom_object, namespace, name)


def _call(method: Any, namespace: str, name: str, *args: Any) -> None:
    try:
        method(GROUP, VERSION, namespace, RUNS, name, *args)
    except ApiException as exc:
        if exc.status != 404:  # gone already: the goal is met
            raise classify_kube_error(exc, f"{KIND}: run {name}") from exc
    except Exception as exc:
        raise classify_kube_error(exc, f"{KIND}: run {name}") from exc


def write_status(
    ctx: OperatorContext,
    meta: Mapping[str, Any],
    before: PipelineTriggerStatus,
    after: PipelineTriggerStatus,
) -> None:
    """Merge-patch the whole status when it changed (this trigger's loop is its only writer)."""
    if dump(after) == dump(before):
        return
    try:
        ctx.custom_objects.patch_namespaced_custom_object_status(
            GROUP, VERSION, meta["namespace"], PLURAL, meta["name"], {"status": dump(after)}
        )
    except Exception as exc:
        raise classify_kube_error(exc, f"{KIND} {meta['name']}: status") from exc


def post(ctx: OperatorContext, meta: Mapping[str, Any], events: Iterable[Event]) -> None:
    post_events(ctx, KIND, meta, events)

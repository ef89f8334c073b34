"""One reconcile pass of a Pipeline, in ACK's order: read the definition and the live pipeline, plan,
carry out the plan's writes, create the runOnChange run, and return the verdict and status."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY, Pipeline
from sagemaker_pipelines_operator.aws import pipelines as sm
from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi
from sagemaker_pipelines_operator.errors import NotFound, Stalled, Transient, Waiting
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.events import post_events
from sagemaker_pipelines_operator.handlers.kube_errors import classify_kube_error
from sagemaker_pipelines_operator.handlers.lineage import read_lineage
from sagemaker_pipelines_operator.handlers.outcome import now
from sagemaker_pipelines_operator.handlers.pipeline_aliases import sync_version_aliases
from sagemaker_pipelines_operator.handlers.pipeline_lineage import label_applied_version
from sagemaker_pipelines_operator.handlers.pipeline_source import load_definition
from sagemaker_pipelines_operator.handlers.tenancy import namespace_role_arn
from sagemaker_pipelines_operator.metrics import PIPELINE_DRIFT_TOTAL
from sagemaker_pipelines_operator.reconcile.backoff import backoff_delay
from sagemaker_pipelines_operator.reconcile.lineage import Lineage
from sagemaker_pipelines_operator.reconcile.pipeline import (
    DesiredPipeline,
    LivePipeline,
    PipelineAction,
    PipelinePlan,
    Recorded,
    live_pipeline,
    plan_pipeline,
)
from sagemaker_pipelines_operator.reconcile.pipeline_inputs import desired_pipeline, recorded_from
from sagemaker_pipelines_operator.reconcile.pipeline_requests import (
    add_tags_request,
    create_pipeline_request,
    create_token,
    delete_tags_request,
    update_pipeline_request,
)
from sagemaker_pipelines_operator.reconcile.pipeline_status import (
    Applied,
    pipeline_status_fields,
    pipeline_verdict,
    plan_events,
)
from sagemaker_pipelines_operator.reconcile.run_on_change import run_on_change_due, run_on_change_manifest
from sagemaker_pipelines_operator.reconcile.verdict import Event, Verdict

KIND = "Pipeline"

log = logging.getLogger(__name__)
_locks_guard = threading.Lock()


@contextmanager
def pipeline_lock(ctx: OperatorContext, uid: str) -> Iterator[None]:
    """Serialises passes of one Pipeline: kopf runs timers beside change handlers, and two passes
    deciding on the same live state would both write."""
    with _locks_guard:
        lock = ctx.pipeline_locks.setdefault(uid, threading.Lock())
    with lock:
        yield


@contextmanager
def sagemaker_name_lock(ctx: OperatorContext, region: str, name: str) -> Iterator[None]:
    """Serialises read-plan-write of one SageMaker pipeline across the Pipelines naming it: SageMaker
    has no conditional tag write, so two passes that both read "unowned" would both claim it and
    both write (decision 0035). Always taken inside `pipeline_lock`, never around it."""
    with _locks_guard:
        lock = ctx.sagemaker_name_locks.setdefault(f"{region}/{name}", threading.Lock())
    with lock:
        yield


def forget_pipeline(ctx: OperatorContext, uid: str) -> None:
    with _locks_guard:
        ctx.pipeline_locks.pop(uid, None)


def read_live(api: SageMakerApi, name: str) -> LivePipeline | None:
    description = sm.describe_pipeline(api, name)
    if description is None:
        return None
    return live_pipeline(description, sm.list_tags(api, str(description["PipelineArn"])))


TRANSIENT_RETRY_MAX = 120.0
"""Longest wait between passes failing on throttling, 5xx or network trouble (botocore has
already retried each call by then)."""


def sync_pipeline(ctx: OperatorContext, body: Any, *, attempt: int = 0) -> tuple[Verdict, dict[str, Any]]:
    """The pass's work for `outcome.run_pass`; raises taxonomy errors (REFUSE included).
    `attempt` is kopf's retry count: transient failures are retried after 2, 4 ... 120 s."""
    try:
        return _sync(ctx, body, attempt)
    except Transient as exc:
        if exc.delay is not None:
            raise
        delay = backoff_delay(attempt, first=2.0, cap=TRANSIENT_RETRY_MAX)
        raise Transient(exc.reason, exc.message, delay=delay) from exc


def _sync(ctx: OperatorContext, body: Any, attempt: int) -> tuple[Verdict, dict[str, Any]]:
    pipeline = Pipeline.model_validate(dict(body))
    namespace, name = str(body["metadata"]["namespace"]), str(body["metadata"]["name"])
    role = namespace_role_arn(ctx, namespace)
    region = ctx.aws.factory.region(pipeline.spec.region)
    definition = load_definition(ctx, pipeline, region, role, attempt=attempt)
    desired = desired_pipeline(pipeline, definition, cluster_id=ctx.settings.cluster_id, region=region)
    recorded = recorded_from(pipeline.status)
    api = ctx.aws.sagemaker(region, role)
    lineage = read_lineage(ctx, body["metadata"])
    with sagemaker_name_lock(ctx, region, desired.name):
        live = read_live(api, desired.name)
        plan = plan_pipeline(desired, live, recorded)
        if plan.action is PipelineAction.REFUSE:
            raise Stalled(c.OWNED_ELSEWHERE, plan.message)
        try:
            applied = apply_plan(api, plan, desired, recorded, live, uid=str(body["metadata"]["uid"]))
            extra_fields, extra_events = version_writes(
                api, pipeline, plan, desired=desired, applied=applied, recorded=recorded, lineage=lineage
            )
        except NotFound as exc:  # deleted between our read and our write: read again shortly
            message = f"{exc.message}; looking again"
            raise Waiting(c.PIPELINE_DELETED_IN_SAGEMAKER, message, delay=1.0) from exc
    post_events(ctx, KIND, body["metadata"], plan_events(plan, desired, applied.version_id) + extra_events)
    fields = pipeline_status_fields(plan, desired, recorded, applied, now=now()) | extra_fields
    if "driftCount" in fields:
        PIPELINE_DRIFT_TOTAL.labels(namespace=namespace, pipeline=name).inc()
    if plan.action is not PipelineAction.REPORT and pipeline.spec.run_on_change is not None:
        fields.update(run_on_change(ctx, body, pipeline, desired, recorded))
    return pipeline_verdict(plan, desired, recorded, applied), fields


def apply_plan(
    api: SageMakerApi,
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
        arn = sm.create_pipeline(api, create_pipeline_request(desired, token))
        return Applied(arn, sm.latest_version_id(api, desired.name), None)
    if live is None:  # REPORT of a pipeline that vanished
        return Applied(recorded.arn or "", None, None)
    if plan.action is PipelineAction.REPORT:
        return Applied(live.arn, None, live.last_modified)
    add = dict(plan.add_tags)
    if plan.action is PipelineAction.ADOPT:
        # Claim first: the owner tag tells any other resource to keep off before we change anything.
        sm.add_tags(api, add_tags_request(live.arn, {OWNER_TAG_KEY: add.pop(OWNER_TAG_KEY, desired.owner)}))
    version = None
    if plan.changed:
        version = sm.update_pipeline(api, update_pipeline_request(desired, plan.changed))
    if plan.delete_tags:  # before adding, so that the 50-tag limit is not hit on the way
        sm.delete_tags(api, delete_tags_request(live.arn, plan.delete_tags))
    if add:
        sm.add_tags(api, add_tags_request(live.arn, add))
    if version is None and (recorded.pipeline_version_id is None or plan.action is PipelineAction.ADOPT):
        version = sm.latest_version_id(api, desired.name)
    return Applied(live.arn, version, None if plan.writes else live.last_modified)


def version_writes(
    api: SageMakerApi,
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


def run_on_change(
    ctx: OperatorContext, body: Any, pipeline: Pipeline, desired: DesiredPipeline, recorded: Recorded
) -> dict[str, Any]:
    """Create the runOnChange PipelineRun for a newly applied definition; status fields to record it."""
    spec = pipeline.spec.run_on_change
    applied_hash = desired.definition_hash
    if spec is None or not run_on_change_due(applied_hash, recorded):
        return {}
    manifest = run_on_change_manifest(
        namespace=str(body["metadata"]["namespace"]),
        pipeline=str(body["metadata"]["name"]),
        pipeline_uid=str(body["metadata"]["uid"]),
        definition_hash=applied_hash,
        parameters=spec.parameters,
    )
    run = manifest["metadata"]["name"]
    try:
        ctx.custom_objects.create_namespaced_custom_object(
            GROUP, VERSION, manifest["metadata"]["namespace"], "pipelineruns", manifest
        )
    except Exception as exc:
        if getattr(exc, "status", None) != 409:  # 409: created by an earlier, interrupted pass
            raise classify_kube_error(exc, f"pipelineRun {run}") from exc
        log.info("runOnChange PipelineRun %s already exists", run)
    else:
        created = Event("Normal", c.RUN_CREATED, f"created PipelineRun {run} for the new definition")
        post_events(ctx, KIND, body["metadata"], [created])
    return {"runOnChangeHash": applied_hash}

"""The one Pipeline reconciler, used by the kopf change handlers, the resume after a restart, the
resync timer and the finalizer: observe (definition, live pipeline, lineage) → plan
(`pipelines/plan/pipeline.plan_pipeline`, pure) → act (`pipelines/apply`) → write status and
Events (`_write`) → one requeue decision (`reconcile/verdict.compute_outcome`). Kubernetes is
reached only through `KubeObjects`, SageMaker only through `PipelinesApi` (decision 0041)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, dump, find_condition, rfc3339
from sagemaker_pipelines_operator.api.metadata import ObjectMeta
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.aws.pipeline_api import PipelinesFor
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled, Transient
from sagemaker_pipelines_operator.metrics import PIPELINE_DRIFT_TOTAL
from sagemaker_pipelines_operator.pipelines.apply import apply_plan, version_writes
from sagemaker_pipelines_operator.pipelines.deleter import PipelineDeleter
from sagemaker_pipelines_operator.pipelines.plan.inputs import desired_pipeline, recorded_from
from sagemaker_pipelines_operator.pipelines.plan.pipeline import (
    DesiredPipeline,
    PipelineAction,
    Recorded,
    plan_pipeline,
)
from sagemaker_pipelines_operator.pipelines.plan.resync import (
    ResyncAction,
    resync_action,
    resync_precheck,
)
from sagemaker_pipelines_operator.pipelines.plan.run_on_change import (
    run_on_change_due,
    run_on_change_manifest,
)
from sagemaker_pipelines_operator.pipelines.plan.status import (
    pipeline_status_fields,
    pipeline_verdict,
    plan_events,
)
from sagemaker_pipelines_operator.pipelines.seams import (
    KIND,
    PLURAL,
    PipelineResult,
    PipelineSettings,
    PipelineSources,
)
from sagemaker_pipelines_operator.reconcile.backoff import backoff_delay
from sagemaker_pipelines_operator.reconcile.verdict import (
    Event,
    Requeue,
    Verdict,
    compute_outcome,
    verdict_for_error,
)
from sagemaker_pipelines_operator.runtime.kube import KubeObjects, ObjectRef
from sagemaker_pipelines_operator.runtime.outcome import parse_error, reconcile_pass

TRANSIENT_RETRY_MAX = 120.0
"""Longest wait between passes failing on throttling, 5xx or network trouble (botocore has
already retried each call by then)."""


@dataclass(frozen=True)
class _Pass:
    """What a pass decided, before it is written: the verdict and the status fields."""

    verdict: Verdict
    fields: dict[str, Any]


class PipelineReconciler:
    def __init__(
        self,
        kube: KubeObjects,
        pipelines_for: PipelinesFor,
        sources: PipelineSources,
        role_of: Callable[[str], str | None],
        settings: PipelineSettings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.kube = kube
        self.pipelines_for = pipelines_for
        self.sources = sources
        self.role_of = role_of
        """Namespace → the role to act through (None: the operator's own); raises when refused."""
        self.settings = settings
        self.clock = clock
        self.deleter = PipelineDeleter(pipelines_for, role_of, settings, self._write_error)
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._name_locks: dict[str, threading.Lock] = {}

    # --- the entry points: a change, the resync timer, the finalizer ------------------------------

    def reconcile(self, body: Mapping[str, Any], *, attempt: int = 0) -> PipelineResult | None:
        """One pass over the Pipeline `body` names; `attempt` is kopf's retry count of this change.
        None when the object is gone."""
        with self.lock(ObjectMeta.of(body["metadata"]).ref):
            current = self._fresh(body)
            if current is None:
                return None
            return self._reconcile(current, ObjectMeta.of(current["metadata"]), attempt)

    def resume(self, body: Mapping[str, Any], *, attempt: int = 0) -> PipelineResult | None:
        """The first look after the operator (re)starts. A Pipeline that is settled — its spec
        observed, not stalled, and the shared ListPipelines listing showing no modification since
        status last saw it — needs nothing: its restart costs a share of one listing, not a
        DescribePipeline and ListTags each. Anything else gets a full pass. None when nothing ran."""
        with self.lock(ObjectMeta.of(body["metadata"]).ref):
            current = self._fresh(body)
            if current is None:
                return None
            meta = ObjectMeta.of(current["metadata"])
            try:
                settled = not meta.deleting and self._resync_action(current, meta) is ResyncAction.CONFIRM
            except (ValidationError, ReconcileError):
                settled = False  # the full pass says what is wrong
            return None if settled else self._reconcile(current, meta, attempt)

    def resync(self, ref: ObjectRef) -> PipelineResult | None:
        """The periodic drift check, on a fresh read of the object (the timer's body may predate a
        pass that a change handler has just finished); None when nothing needed a pass."""
        with self.lock(ref):
            body = self.kube.get(PLURAL, ref.namespace, ref.name)
            meta = ObjectMeta.of(body["metadata"]) if body is not None else None
            if body is None or meta is None or meta.deleting:
                return None
            try:
                action = self._resync_action(body, meta)
            except ValidationError:
                return None  # already Stalled with InvalidSpec by the change handler
            except ReconcileError:
                action = ResyncAction.RECONCILE  # a full pass writes what went wrong
            if action is ResyncAction.CONFIRM:
                patch = {"status": {"lastSyncTime": rfc3339(self.clock())}}
                self.kube.patch_status(PLURAL, meta.ref, patch)
            if action is not ResyncAction.RECONCILE:
                return None
            return self._reconcile(body, meta, 0)

    def delete(self, body: Mapping[str, Any]) -> PipelineResult:
        """The finalizer's pass; a result with a requeue keeps the finalizer (look again then)."""
        meta = ObjectMeta.of(body["metadata"])
        with self.lock(meta.ref):
            result = self.deleter.delete(body, meta, lambda events: self._post(meta.ref, events))
        if result.requeue is None:  # the finalizer goes, and with it the object
            self.forget(meta.ref)
        return result

    def _fresh(self, body: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The object as it is now. kopf's body may predate a status this reconciler wrote while
        the handler waited for the lock (the resync's, say), and status is what the plan
        remembers: acting on the older one would write the older memory back. kopf's body when
        the read fails: the pass then reports on what kopf saw."""
        ref = ObjectMeta.of(body["metadata"]).ref
        try:
            current = self.kube.get(PLURAL, ref.namespace, ref.name)
        except ReconcileError:
            return body
        if current is None or ObjectMeta.of(current["metadata"]).uid != ref.uid:
            return None  # gone, or the name now belongs to a newer object with its own handlers
        return current

    @contextmanager
    def lock(self, ref: ObjectRef) -> Iterator[None]:
        """Serialises passes of one Pipeline: kopf runs timers beside change handlers, and two
        passes deciding on the same live state would both write."""
        with self._guard:
            lock = self._locks.setdefault(str(ref.uid or ref), threading.Lock())
        with lock:
            yield

    def forget(self, ref: ObjectRef) -> None:
        with self._guard:
            self._locks.pop(str(ref.uid or ref), None)

    # --- one pass ----------------------------------------------------------------------------------

    def _reconcile(self, body: Mapping[str, Any], meta: ObjectMeta, attempt: int) -> PipelineResult:
        with reconcile_pass(KIND) as record:
            try:
                done = self._pass(body, meta, attempt)
            except ValidationError as exc:
                done = _Pass(verdict_for_error(parse_error(exc)), {})
            except ReconcileError as exc:
                done = _Pass(verdict_for_error(_with_backoff(exc, attempt)), {})
            requeue = self._write(body, meta, done)
            record(done.verdict.result)
        return PipelineResult(done.verdict, requeue)

    def _pass(self, body: Mapping[str, Any], meta: ObjectMeta, attempt: int) -> _Pass:
        """Observe, plan, act; raises taxonomy errors (a refusal included)."""
        pipeline = Pipeline.model_validate(dict(body))
        role = self.role_of(meta.namespace)
        region = self.settings.region_of(pipeline.spec.region)
        definition = self.sources.definition(pipeline, region, role, attempt)
        desired = desired_pipeline(pipeline, definition, cluster_id=self.settings.cluster_id, region=region)
        recorded = recorded_from(pipeline.status)
        api = self.pipelines_for(region, role)
        lineage = self.sources.lineage(body["metadata"])
        with self._name_lock(region, desired.name):
            live = api.describe(desired.name)
            plan = plan_pipeline(desired, live, recorded)
            if plan.action is PipelineAction.REFUSE:
                raise Stalled(c.OWNED_ELSEWHERE, plan.message)
            applied = apply_plan(api, plan, desired, recorded, live, uid=str(meta.uid))
            extra_fields, extra_events = version_writes(
                api, pipeline, plan, desired=desired, applied=applied, recorded=recorded, lineage=lineage
            )
        # Posted now: what was written to SageMaker stays written if the rest of the pass fails.
        self._post(meta.ref, plan_events(plan, desired, applied.version_id) + extra_events)
        fields = pipeline_status_fields(plan, desired, recorded, applied, now=self.clock()) | extra_fields
        if "driftCount" in fields:
            PIPELINE_DRIFT_TOTAL.labels(namespace=meta.namespace, pipeline=meta.name).inc()
        if plan.action is not PipelineAction.REPORT and pipeline.spec.run_on_change is not None:
            fields.update(self._run_on_change(meta, pipeline, desired, recorded))
        return _Pass(pipeline_verdict(plan, desired, recorded, applied), fields)

    def _resync_action(self, body: Mapping[str, Any], meta: ObjectMeta) -> ResyncAction:
        pipeline = Pipeline.model_validate(body)
        status = pipeline.status
        stalled = find_condition(status.conditions, c.STALLED)
        reconciling = find_condition(status.conditions, c.RECONCILING)
        recorded = recorded_from(status)
        early = resync_precheck(
            recorded,
            stalled_reason=stalled.reason if stalled is not None and stalled.status == "True" else None,
            in_progress=meta.generation != status.observed_generation
            or (reconciling is not None and reconciling.status == "True"),
        )
        if early is not None:
            return early
        role = self.role_of(meta.namespace)
        region = self.settings.region_of(pipeline.spec.region)
        summary = self.pipelines_for(region, role).listed(str(recorded.pipeline_name))
        moved = self.sources.source_moved(pipeline, region, role, recorded.definition_hash)
        return resync_action(recorded, summary, source_moved=moved)

    def _run_on_change(
        self, meta: ObjectMeta, pipeline: Pipeline, desired: DesiredPipeline, recorded: Recorded
    ) -> dict[str, Any]:
        """Create the runOnChange PipelineRun for a newly applied definition; the status field that
        records it. Its Event is posted only when this pass created it (not an interrupted one)."""
        spec = pipeline.spec.run_on_change
        applied_hash = desired.definition_hash
        if spec is None or not run_on_change_due(applied_hash, recorded):
            return {}
        manifest = run_on_change_manifest(
            namespace=meta.namespace,
            pipeline=meta.name,
            pipeline_uid=str(meta.uid),
            definition_hash=applied_hash,
            parameters=spec.parameters,
        )
        run = str(manifest["metadata"]["name"])
        # Passes of one Pipeline never overlap (`lock`), so nobody else creates it in between.
        if self.kube.get("pipelineruns", meta.namespace, run) is None:
            self.kube.create("pipelineruns", meta.namespace, manifest)
            created = Event("Normal", c.RUN_CREATED, f"created PipelineRun {run} for the new definition")
            self._post(meta.ref, [created])
        return {"runOnChangeHash": applied_hash}

    # --- writing what a pass decided --------------------------------------------------------------

    def _write(self, body: Mapping[str, Any], meta: ObjectMeta, done: _Pass) -> Requeue | None:
        """Patch status (fields, conditions, observedGeneration), then post the transition Event;
        the outcome's requeue is the pass's one answer to "when next"."""
        outcome = compute_outcome(
            _conditions(body), done.verdict, generation=meta.generation, now=self.clock()
        )
        status = done.fields | {
            "conditions": [dump(x) for x in outcome.conditions],
            "observedGeneration": meta.generation,
        }
        self.kube.patch_status(PLURAL, meta.ref, {"status": status})
        self._post(meta.ref, [outcome.event] if outcome.event else [])
        return outcome.requeue

    def _write_error(self, body: Mapping[str, Any], meta: ObjectMeta, error: ReconcileError) -> Verdict:
        verdict = verdict_for_error(error)
        self._write(body, meta, _Pass(verdict, {}))
        return verdict

    def _post(self, ref: ObjectRef, events: Sequence[Event]) -> None:
        for event in events:
            self.kube.post_event(KIND, ref, event)

    @contextmanager
    def _name_lock(self, region: str, name: str) -> Iterator[None]:
        """Serialises read-plan-write of one SageMaker pipeline across the Pipelines naming it:
        SageMaker has no conditional tag write, so two passes that both read "unowned" would both
        claim it and both write (decision 0035). Always taken inside `lock`, never around it."""
        with self._guard:
            lock = self._name_locks.setdefault(f"{region}/{name}", threading.Lock())
        with lock:
            yield


def _with_backoff(error: ReconcileError, attempt: int) -> ReconcileError:
    """A transient failure without a delay of its own is retried after 2, 4 ... 120 s."""
    if isinstance(error, Transient) and error.delay is None:
        delay = backoff_delay(attempt, first=2.0, cap=TRANSIENT_RETRY_MAX)
        return Transient(error.reason, error.message, delay=delay)
    return error


def _conditions(body: Mapping[str, Any]) -> list[Condition]:
    raw = (body.get("status") or {}).get("conditions") or []
    return [Condition.model_validate(x) for x in raw]

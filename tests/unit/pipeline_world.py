"""A Pipeline's world held in memory for the PipelineReconciler tests: the Kubernetes objects
(runtime/kube_memory), SageMaker's pipelines (aws/memory_pipelines), the definition sources, a
clock the test moves, and the namespace role the tenancy check answers with. Steps drive it the
way the operator does (a change pass, a resync, the finalizer) and the way the world moves."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, find_condition
from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY, Pipeline
from sagemaker_pipelines_operator.aws.memory_pipelines import InMemoryPipelines
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled, Waiting
from sagemaker_pipelines_operator.pipelines.plan.inputs import checked_definition, definition_source_label
from sagemaker_pipelines_operator.pipelines.reconciler import PipelineReconciler
from sagemaker_pipelines_operator.pipelines.seams import PipelineResult, PipelineSettings
from sagemaker_pipelines_operator.reconcile.lineage import Lineage
from sagemaker_pipelines_operator.runtime.kube import ObjectRef
from sagemaker_pipelines_operator.runtime.kube_memory import InMemoryObjects

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NAMESPACE = "team-a"
NAME = "churn"
ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
TENANT_ROLE = "arn:aws:iam::123456789012:role/team-a"
OWNER = f"default/{NAMESPACE}/{NAME}"
DEFINITION: dict[str, Any] = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "Epochs", "Type": "Integer", "DefaultValue": 3}],
    "Steps": [{"Name": "Train", "Type": "Training", "Arguments": {"Epochs": {"Get": "Parameters.Epochs"}}}],
}
SETTINGS = PipelineSettings(
    cluster_id="default",
    default_deletion_policy="Retain",
    deletion_poll_seconds=5.0,
    region_of=lambda region: region or "us-east-1",
)


def definition(epochs: int) -> dict[str, Any]:
    changed = copy.deepcopy(DEFINITION)
    changed["Parameters"][0]["DefaultValue"] = epochs
    return changed


@dataclass
class MemorySources:
    """Inline definitions as the operator reads them; ConfigMap sources from `configmaps`."""

    configmaps: dict[str, str] = field(default_factory=dict)
    """ConfigMap name → the definition text under any key."""

    def definition(self, pipeline: Pipeline, region: str, role: str | None, attempt: int) -> dict[str, Any]:
        source = pipeline.spec.definition
        if source.config_map_ref is not None:
            text = self.configmaps.get(source.config_map_ref.name)
            if text is None:
                raise Waiting(
                    c.DEFINITION_SOURCE_NOT_FOUND, f"configMap {source.config_map_ref.name} not found"
                )
            return checked_definition(text, definition_source_label(pipeline))
        return checked_definition(source.inline or {}, definition_source_label(pipeline))

    def source_moved(
        self, pipeline: Pipeline, region: str, role: str | None, applied_hash: str | None
    ) -> bool:
        return False

    def lineage(self, metadata: Mapping[str, Any]) -> Lineage | None:
        return None


@dataclass
class PipelineWorld:
    now: datetime = T0
    role_error: ReconcileError | None = None
    """What the tenancy check raises for the namespace (None: it answers TENANT_ROLE)."""
    kube: InMemoryObjects = field(default_factory=InMemoryObjects)
    sources: MemorySources = field(default_factory=MemorySources)
    sagemaker: InMemoryPipelines = field(init=False)
    reconciler: PipelineReconciler = field(init=False)
    roles_used: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sagemaker = InMemoryPipelines(clock=lambda: self.now)
        self.reconciler = PipelineReconciler(
            self.kube, self._pipelines, self.sources, self._role, SETTINGS, clock=lambda: self.now
        )

    def _pipelines(self, region: str | None, role: str | None) -> InMemoryPipelines:
        self.roles_used.append(role)
        return self.sagemaker

    def _role(self, namespace: str) -> str | None:
        if self.role_error is not None:
            raise self.role_error
        return TENANT_ROLE

    # --- the object --------------------------------------------------------------------------------

    def add(self, **spec: Any) -> None:
        spec.setdefault("roleArn", ROLE)
        spec.setdefault("definition", {"inline": DEFINITION})
        self.kube.create("pipelines", NAMESPACE, {"metadata": {"name": NAME, "generation": 1}, "spec": spec})

    def change(self, **spec: Any) -> None:
        """Someone applies a new spec: the fields change and the generation moves."""
        body = self.kube.objects[("pipelines", NAMESPACE, NAME)]
        body["spec"].update(spec)
        body["metadata"]["generation"] += 1

    @property
    def body(self) -> dict[str, Any]:
        body = self.kube.get("pipelines", NAMESPACE, NAME)
        assert body is not None, "the Pipeline is gone"
        return body

    @property
    def status(self) -> dict[str, Any]:
        return dict(self.body.get("status") or {})

    def condition(self, kind: str = c.READY) -> tuple[str, str]:
        conditions = [Condition.model_validate(x) for x in self.status.get("conditions", [])]
        found = find_condition(conditions, kind)
        assert found is not None, f"no {kind} condition"
        return found.status, found.reason

    @property
    def event_reasons(self) -> list[str]:
        return [posted.event.reason for posted in self.kube.events]

    @property
    def live_tags(self) -> dict[str, str]:
        return self.sagemaker.pipelines[NAME].tags

    # --- what the operator does --------------------------------------------------------------------

    def reconcile(self, *, attempt: int = 0) -> PipelineResult:
        result = self.reconciler.reconcile(self.body, attempt=attempt)
        assert result is not None, "the Pipeline is gone"
        return result

    def resync(self) -> PipelineResult | None:
        return self.reconciler.resync(ObjectRef.of(self.body["metadata"]))

    def resume(self) -> PipelineResult | None:
        return self.reconciler.resume(self.body)

    def delete(self) -> PipelineResult:
        body = self.body
        body["metadata"]["deletionTimestamp"] = self.now.isoformat()
        return self.reconciler.delete(body)

    def later(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def writes(self) -> list[str]:
        """The SageMaker writes made so far, in order."""
        reads = {"describe", "listed", "latest_version_id", "version_aliases", "executions"}
        return [name for name, _ in self.sagemaker.calls if name not in reads]


Step = Callable[[PipelineWorld], object]


def refuse_role(world: PipelineWorld) -> None:
    world.role_error = Stalled(c.NAMESPACE_NOT_ALLOWED, f"namespace {NAMESPACE} has no role annotation")


def owned_by(owner: str) -> dict[str, str]:
    return {OWNER_TAG_KEY: owner}

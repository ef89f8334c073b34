"""A PipelineRun's world held in memory for the RunReconciler tests: the Kubernetes objects
(runtime/kube_memory), SageMaker's executions (aws/memory_executions), a clock the test moves,
and the namespace role the tenancy check answers with. Steps drive it the way the operator does:
a kopf pass, or a poll that observes the execution as the batch poller does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.aws.memory_executions import InMemoryExecutions
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled
from sagemaker_pipelines_operator.runs.inputs import RunInputs
from sagemaker_pipelines_operator.runs.metrics import RunMetrics
from sagemaker_pipelines_operator.runs.plan.run import ObservedExecution
from sagemaker_pipelines_operator.runs.reconciler import PollBounds, RunReconciler, RunResult, Seen
from sagemaker_pipelines_operator.runs.writer import RunWriter
from sagemaker_pipelines_operator.runtime.kube import ObjectRef
from sagemaker_pipelines_operator.runtime.kube_memory import InMemoryObjects

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
NAMESPACE = "ml"
ROLE = "arn:aws:iam::123456789012:role/team-ml"
POLL = PollBounds(min_seconds=1.0, max_seconds=30.0)


def ready_pipeline(name: str = "train", parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "generation": 1},
        "spec": {
            "roleArn": "arn:aws:iam::123456789012:role/SageMaker",
            "definition": {"inline": {"Version": "2020-12-01", "Steps": []}},
        },
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Synced",
                    "message": "",
                    "observedGeneration": 1,
                }
            ],
            "pipelineName": f"{name}-sm",
            "region": "us-east-1",
            "pipelineVersionId": 2,
            "definitionHash": "sha256:h",
            "parameters": parameters or [{"name": "Epochs", "type": "Integer", "default": "5"}],
        },
    }


class MonotonicClock:
    """The tracker's monotonic clock, moved by the test (`clock.now += seconds`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RunWorld:
    now: datetime = T0
    role_error: ReconcileError | None = None
    """What the tenancy check raises for the namespace (None: it answers ROLE)."""
    kube: InMemoryObjects = field(default_factory=InMemoryObjects)
    sagemaker: InMemoryExecutions = field(init=False)
    reconciler: RunReconciler = field(init=False)
    results: list[RunResult] = field(default_factory=list)
    roles_used: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sagemaker = InMemoryExecutions(pipelines={"train-sm"}, clock=lambda: self.now)
        inputs = RunInputs(self.kube, allow_unmanaged=True, default_region="us-east-1")
        self.reconciler = RunReconciler(
            inputs, RunWriter(self.kube, RunMetrics()), self._executions, self._role, POLL
        )

    def _executions(self, region: str | None, role: str | None) -> InMemoryExecutions:
        self.roles_used.append(role)
        return self.sagemaker

    def _role(self, namespace: str) -> str | None:
        if self.role_error is not None:
            raise self.role_error
        return ROLE

    # --- the objects -----------------------------------------------------------------------------

    def add_pipeline(self, body: dict[str, Any] | None = None) -> None:
        self.kube.create("pipelines", NAMESPACE, body or ready_pipeline())

    def add_run(self, spec: dict[str, Any], status: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"metadata": {"name": "nightly", "generation": 1}, "spec": spec}
        if status is not None:
            body["status"] = status
        self.kube.create("pipelineruns", NAMESPACE, body)

    @property
    def run(self) -> PipelineRun:
        body = self.kube.get("pipelineruns", NAMESPACE, "nightly")
        assert body is not None, "the run is gone"
        return PipelineRun.model_validate(body)

    @property
    def run_exists(self) -> bool:
        return self.kube.get("pipelineruns", NAMESPACE, "nightly") is not None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef.of(self.run.metadata)

    @property
    def arn(self) -> str:
        arn = self.run.status.execution_arn
        assert arn is not None
        return arn

    def ready(self) -> tuple[str, str]:
        found = find_condition(self.run.status.conditions, c.READY)
        assert found is not None
        return found.status, found.reason

    @property
    def event_reasons(self) -> list[str]:
        return [posted.event.reason for posted in self.kube.events]

    # --- what the operator does ------------------------------------------------------------------

    def kopf_pass(self) -> RunResult:
        result = self.reconciler.reconcile(self.run, self.now)
        self.results.append(result)
        return result

    def poll(self, *, steps: bool = True) -> RunResult:
        """One look by the batch poller: Describe (a listing says the same), steps, then a pass."""
        arn = self.arn
        described = self.sagemaker.describe(arn)
        if described is None:
            observed = ObservedExecution(arn, missing="execution")
        else:
            observed = ObservedExecution.of(described, self.sagemaker.steps(arn) if steps else None)
        result = self.reconciler.reconcile(self.run, self.now, Seen(observed, ROLE))
        self.results.append(result)
        return result

    def later(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


Step = Callable[[RunWorld], object]


def kopf(world: RunWorld) -> object:
    return world.kopf_pass()


def poll(world: RunWorld) -> object:
    return world.poll()


def sagemaker(status: str, reason: str | None = None, steps: Any = None) -> Step:
    def settle(world: RunWorld) -> None:
        world.sagemaker.settle(world.arn, status, failure_reason=reason, steps=steps)

    settle.__name__ = f"sagemaker:{status}"
    return settle


def later(seconds: float) -> Step:
    def wait(world: RunWorld) -> None:
        world.later(seconds)

    wait.__name__ = f"later:{seconds}"
    return wait


def refuse_role(world: RunWorld) -> None:
    world.role_error = Stalled(c.NAMESPACE_NOT_ALLOWED, f"namespace {NAMESPACE} has no role annotation")


def cancel(world: RunWorld) -> None:
    body = world.kube.objects[("pipelineruns", NAMESPACE, "nightly")]
    body["spec"]["cancel"] = True
    body["metadata"]["generation"] += 1


def stop_on_delete(world: RunWorld) -> None:
    world.reconciler.stop_on_delete(world.run)


def vanish(world: RunWorld) -> None:
    world.sagemaker.vanish(world.arn)

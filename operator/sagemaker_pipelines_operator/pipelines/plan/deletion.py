"""What deleting a Pipeline resource does to SageMaker, per deletionPolicy: leave it, or stop the
active executions, wait for them, and delete the pipeline. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sagemaker_pipelines_operator.pipelines.plan.pipeline import Ownership
from sagemaker_pipelines_operator.reconcile.execution import Execution

ACTIVE_EXECUTION = frozenset({"Executing", "Stopping"})


class DeletionStep(StrEnum):
    RETAIN = "retain"
    """deletionPolicy Retain: SageMaker is left untouched."""
    GONE = "gone"
    """No such pipeline: nothing to delete."""
    NOT_OURS = "not-ours"
    """Another resource (or nobody) owns it: never delete what is not ours."""
    STOP = "stop"
    """Stop these executions (StopPipelineExecution), then look again."""
    WAIT = "wait"
    """Executions are stopping; look again shortly."""
    DELETE = "delete"
    """No active executions: DeletePipeline."""


@dataclass(frozen=True)
class DeletionPlan:
    step: DeletionStep
    message: str
    stop: tuple[str, ...] = ()


def deletion_policy(spec_policy: str | None, default: str) -> str:
    return spec_policy or default


def touches_sagemaker(policy: str) -> bool:
    """Whether deletion needs to read SageMaker at all."""
    return policy == "Delete"


def plan_deletion(
    name: str,
    policy: str,
    owner: Ownership | None,
    executions: Sequence[Execution] = (),
) -> DeletionPlan:
    """The next deletion step; `owner` is None when the pipeline does not exist."""
    if not touches_sagemaker(policy):
        return DeletionPlan(DeletionStep.RETAIN, f"deletionPolicy Retain: SageMaker pipeline {name} kept")
    if owner is None:
        return DeletionPlan(DeletionStep.GONE, f"SageMaker pipeline {name} does not exist")
    if owner is not Ownership.OURS:
        return DeletionPlan(
            DeletionStep.NOT_OURS, f"SageMaker pipeline {name} is not owned by this resource; not deleted"
        )
    executing = tuple(x.arn for x in executions if x.status == "Executing")
    if executing:
        return DeletionPlan(
            DeletionStep.STOP,
            f"stopping {len(executing)} active execution(s) of {name} before deleting it",
            executing,
        )
    stopping = sum(1 for x in executions if x.status in ACTIVE_EXECUTION)
    if stopping:
        return DeletionPlan(DeletionStep.WAIT, f"waiting for {stopping} execution(s) of {name} to stop")
    return DeletionPlan(DeletionStep.DELETE, f"deleted SageMaker pipeline {name}")

"""The Argo CD health script (manifests/argocd/health.lua), run by a Lua 5.1 runtime on status
objects built from the API models: Healthy / Progressing / Degraded / Suspended per kind."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, ConditionStatus, dump
from sagemaker_pipelines_operator.api.pipeline import PipelineStatus
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase, PipelineRunStatus
from sagemaker_pipelines_operator.api.schedule import PipelineScheduleStatus
from tests.fixtures.argocd import argocd_health


def cond(type_: str, status: ConditionStatus, reason: str, message: str = "") -> Condition:
    return Condition(type=type_, status=status, reason=reason, message=message, observed_generation=1)


def resource(kind: str, status: BaseModel | None, generation: int = 1) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "sagemaker.pipelines.dev/v1alpha1",
        "kind": kind,
        "metadata": {"name": "fraud-retrain", "namespace": "ml", "generation": generation},
    }
    if status is not None:
        obj["status"] = dump(status)
    return obj


READY = cond(c.READY, "True", c.RECONCILED, "Pipeline is in sync with SageMaker")
NOT_RECONCILING = cond(c.RECONCILING, "False", c.RECONCILED)
NOT_STALLED = cond(c.STALLED, "False", c.RECONCILED)
RECONCILING = cond(c.RECONCILING, "True", c.PROGRESSING, "Creating the SageMaker pipeline")


def pipeline(*conds: Condition, observed: int = 1) -> PipelineStatus:
    return PipelineStatus(observed_generation=observed, conditions=list(conds))


def run(phase: PipelineRunPhase, *conds: Condition, **fields: Any) -> PipelineRunStatus:
    return PipelineRunStatus(observed_generation=1, phase=phase, conditions=list(conds), **fields)


def schedule(*conds: Condition) -> PipelineScheduleStatus:
    return PipelineScheduleStatus(observed_generation=1, conditions=list(conds))


def ended(reason: str, message: str) -> tuple[Condition, ...]:
    """Conditions of a run that ended unsuccessfully: Stalled (kstatus: Failed), not Ready."""
    return (
        cond(c.READY, "False", reason, message),
        cond(c.RECONCILING, "False", reason, message),
        cond(c.STALLED, "True", reason, message),
        cond(c.SUCCEEDED, "False", reason, message),
    )


FAILED = ended(c.EXECUTION_FAILED, "Step Train failed")
TIMED_OUT = ended(c.TIMEOUT, "ran 3600s")
STOPPED = ended(c.EXECUTION_STOPPED, "stopped: cancelled (spec.cancel)")
COMPLETED_WITH_FAILURES = ended(c.EXECUTION_COMPLETED_WITH_FAILURES, "2 steps failed")
BAD_PARAMETERS = cond(c.STALLED, "True", c.INVALID_PARAMETERS, "unknown parameter Epochs")
CASES = [
    ("pipeline-no-status-yet", "Pipeline", None, 1, "Progressing", "report status"),
    ("pipeline-generation-not-observed", "Pipeline", pipeline(READY), 2, "Progressing", "generation 2"),
    ("pipeline-ready", "Pipeline", pipeline(READY, NOT_RECONCILING, NOT_STALLED), 1, "Healthy", "in sync"),
    (
        "pipeline-first-sight",
        "Pipeline",
        pipeline(cond(c.READY, "Unknown", c.PROGRESSING), RECONCILING),
        1,
        "Progressing",
        "Creating",
    ),
    (
        "pipeline-invalid-definition",
        "Pipeline",
        pipeline(
            cond(c.READY, "False", c.INVALID_DEFINITION, "step Train: missing RoleArn"),
            cond(c.STALLED, "True", c.INVALID_DEFINITION, "step Train: missing RoleArn"),
        ),
        1,
        "Degraded",
        "missing RoleArn",
    ),
    (
        "pipeline-drift-reported",
        "Pipeline",
        pipeline(READY, cond(c.DRIFTED, "True", c.DRIFT_DETECTED, "definition changed in SageMaker")),
        1,
        "Degraded",
        "changed in SageMaker",
    ),
    (
        "pipeline-drift-corrected",
        "Pipeline",
        pipeline(READY, cond(c.DRIFTED, "False", c.DRIFT_CORRECTED)),
        1,
        "Healthy",
        "in sync",
    ),
    (
        "pipeline-not-ready-and-idle",
        "Pipeline",
        pipeline(cond(c.READY, "False", c.PIPELINE_DELETED_IN_SAGEMAKER, "gone"), NOT_RECONCILING),
        1,
        "Degraded",
        "gone",
    ),
    (
        "run-waiting-for-pipeline",
        "PipelineRun",
        run(PipelineRunPhase.PENDING, cond(c.RECONCILING, "True", c.WAITING_FOR_PIPELINE)),
        1,
        "Progressing",
        "Pending",
    ),
    (
        "run-executing",
        "PipelineRun",
        run(PipelineRunPhase.EXECUTING, RECONCILING, step_summary="2/5"),
        1,
        "Progressing",
        "Executing (steps 2/5)",
    ),
    (
        "run-succeeded",
        "PipelineRun",
        run(
            PipelineRunPhase.SUCCEEDED,
            cond(c.READY, "True", c.EXECUTION_SUCCEEDED),
            cond(c.SUCCEEDED, "True", c.EXECUTION_SUCCEEDED),
            step_summary="5/5",
        ),
        1,
        "Healthy",
        "Succeeded (steps 5/5)",
    ),
    (
        "run-failed",
        "PipelineRun",
        run(PipelineRunPhase.FAILED, *FAILED, failure_reason="Step Train failed: OOM"),
        1,
        "Degraded",
        "Failed: Step Train failed: OOM",
    ),
    (
        "run-completed-with-failures",
        "PipelineRun",
        run(PipelineRunPhase.COMPLETED_WITH_FAILURES, *COMPLETED_WITH_FAILURES),
        1,
        "Degraded",
        "2 steps failed",
    ),
    (
        "run-timed-out",
        "PipelineRun",
        run(
            PipelineRunPhase.STOPPED,
            cond(c.SUCCEEDED, "False", c.TIMEOUT, "ran 3600s"),
            stop_reason="Timeout",
        ),
        1,
        "Degraded",
        "ran 3600s",
    ),
    (
        "run-cancelled",
        "PipelineRun",
        run(
            PipelineRunPhase.STOPPED, cond(c.SUCCEEDED, "False", c.EXECUTION_STOPPED), stop_reason="Cancelled"
        ),
        1,
        "Suspended",
        "Cancelled",
    ),
    (
        "run-invalid-parameters",
        "PipelineRun",
        run(
            PipelineRunPhase.PENDING,
            cond(c.STALLED, "True", c.INVALID_PARAMETERS, "unknown parameter Epochs"),
        ),
        1,
        "Degraded",
        "unknown parameter Epochs",
    ),
    (
        "schedule-active",
        "PipelineSchedule",
        schedule(cond(c.READY, "True", c.SCHEDULED, "next run at 02:00")),
        1,
        "Healthy",
        "next run",
    ),
    (
        "schedule-suspended",
        "PipelineSchedule",
        schedule(cond(c.READY, "True", c.SUSPENDED, "suspend: true")),
        1,
        "Suspended",
        "suspend",
    ),
    (
        "schedule-invalid-cron",
        "PipelineSchedule",
        schedule(cond(c.STALLED, "True", c.INVALID_SCHEDULE, "bad cron")),
        1,
        "Degraded",
        "bad cron",
    ),
]


@pytest.mark.parametrize(
    ("kind", "status", "generation", "expected", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_argocd_health(
    kind: str, status: BaseModel | None, generation: int, expected: str, message: str
) -> None:
    health, text = argocd_health(resource(kind, status, generation))
    assert health == expected
    assert message in text

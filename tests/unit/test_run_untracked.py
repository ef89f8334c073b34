"""A run that may have an execution is never failed because the operator cannot look at it now
(runs/plan/status.untracked_status): the phase stays, Ready says why, it is looked at again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase, PipelineRunStatus
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled, Transient, Waiting
from sagemaker_pipelines_operator.runs.plan.status import UNTRACKED_RECHECK_SECONDS, untracked_status

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc"
REFUSED = Stalled(c.NAMESPACE_NOT_ALLOWED, "namespace team-a has no role annotation")
EXECUTING = PipelineRunStatus(phase=PipelineRunPhase.EXECUTING, execution_arn=ARN, attempts=1)
STARTING = PipelineRunStatus(phase=PipelineRunPhase.STARTING, pipeline_name="p", region="us-east-1")
STOPPING = EXECUTING.model_copy(update={"phase": PipelineRunPhase.STOPPING})


@pytest.mark.parametrize(
    ("status", "error", "message", "control"),
    [
        pytest.param(
            EXECUTING,
            REFUSED,
            f"cannot track execution {ARN}: namespace team-a",
            (UNTRACKED_RECHECK_SECONDS, False, "waiting"),
            id="executing-role-refused",
        ),
        pytest.param(
            STOPPING,
            REFUSED,
            f"cannot track execution {ARN}: namespace team-a",
            (UNTRACKED_RECHECK_SECONDS, False, "waiting"),
            id="stopping-role-refused",
        ),
        pytest.param(
            STARTING,
            REFUSED,
            "cannot start or find its execution: namespace",
            (UNTRACKED_RECHECK_SECONDS, False, "waiting"),
            id="starting-role-refused",
        ),
        pytest.param(
            EXECUTING,
            Transient(c.KUBERNETES_UNAVAILABLE, "namespace read: 503"),
            "cannot track",
            (None, True, "transient"),
            id="executing-namespace-unreadable",
        ),
        pytest.param(
            EXECUTING,
            Waiting(c.WAITING_FOR_PIPELINE, "later", delay=5),
            "cannot track",
            (5, False, "waiting"),
            id="waiting-keeps-its-delay",
        ),
    ],
)
def test_untracked_run_keeps_its_phase_and_says_why(
    status: PipelineRunStatus,
    error: ReconcileError,
    message: str,
    control: tuple[float, bool, str],
) -> None:
    after, verdict = untracked_status(status, error, generation=2, now=T0)
    assert after.phase == status.phase
    assert after.completion_time is None and after.failure_reason is None
    assert after.execution_arn == status.execution_arn
    conditions = {x.type: (x.status, x.reason) for x in after.conditions}
    assert conditions == {
        "Ready": ("False", error.reason),
        "Reconciling": ("True", error.reason),
        "Stalled": ("False", error.reason),
        "Succeeded": ("Unknown", error.reason),
    }
    assert message in verdict.message
    assert (verdict.requeue_after, verdict.retry, verdict.result) == control
    assert after.observed_generation == 2

"""What one SageMaker status-change event says to the run poller: which execution to look at now.

SageMaker publishes "SageMaker Model Building Pipeline Execution Status Change" and "… Execution
Step Status Change" events to EventBridge; a rule routes them to an SQS queue (raw, or wrapped by
SNS). An execution's event is a hint: the poller reads the execution from the API, so a lost,
repeated or reordered event costs at most latency (decision 37). The exception is a final status
that no later change can follow and that carries nothing more to read (`SETTLED_BY_EVENT`): it is
written as the event says, and only the final steps are listed (decision 75). A step's event
carries the step itself (plan/step_events): it is written as it says where it is news, and the
safety-net listing corrects what a lost event left out (decision 76)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.reconcile.envelopes import Malformed, unwrap_message
from sagemaker_pipelines_operator.runs.plan.step_events import step_entry

EXECUTION_CHANGE = "SageMaker Model Building Pipeline Execution Status Change"
STEP_CHANGE = "SageMaker Model Building Pipeline Execution Step Status Change"
SETTLED_BY_EVENT = frozenset({"Succeeded", "Stopped"})
"""Execution statuses taken at the event's word: final (no RetryPipelineExecution leaves them, it
retries only failures) and without a failure reason the API would have to be asked for."""


@dataclass(frozen=True)
class StatusHint:
    execution_arn: str
    step_changed: bool
    """A step changed: the run's steps are worth listing at the next look."""
    status: str | None = None
    """The execution's status the event reports (`currentPipelineExecutionStatus`), when it is an
    execution's change: a status the operator already saw is no news (a late or repeated event)."""
    step: Mapping[str, Any] | None = None
    """A step's change: the step as the event reports it, as a ListPipelineExecutionSteps entry
    (None when the event does not say enough: its steps are then listed)."""

    @property
    def settled(self) -> str | None:
        """The event's status when it is final and complete (`SETTLED_BY_EVENT`): written without
        listing the pipeline."""
        return self.status if not self.step_changed and self.status in SETTLED_BY_EVENT else None


@dataclass(frozen=True)
class Ignored:
    reason: str
    """A metric label: malformed, not_sagemaker, no_execution_arn."""


def status_hints(body: str) -> list[StatusHint] | Ignored:
    """The executions one SQS message body asks the poller to look at."""
    unwrapped = unwrap_message(body)
    if isinstance(unwrapped, Malformed):
        return Ignored("malformed")
    hints: list[StatusHint] = []
    for event in unwrapped.events:
        native = event.document.get("event")
        hint = _hint(native) if isinstance(native, Mapping) else None
        if hint is None:
            return Ignored("not_sagemaker")
        hints.append(hint)
    return hints


def _hint(event: Mapping[str, object]) -> StatusHint | None:
    kind = event.get("detail-type")
    if event.get("source") != "aws.sagemaker" or kind not in (EXECUTION_CHANGE, STEP_CHANGE):
        return None
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        return None
    arn = detail.get("pipelineExecutionArn")
    if not isinstance(arn, str) or ":pipeline/" not in arn:
        return None
    if kind == STEP_CHANGE:
        return StatusHint(arn, step_changed=True, step=step_entry(detail))
    status = detail.get("currentPipelineExecutionStatus")
    return StatusHint(arn, step_changed=False, status=status if isinstance(status, str) else None)

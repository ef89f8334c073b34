"""EventBridge-shaped status-change events ("SageMaker Model Building Pipeline Execution [Step]
Status Change"), appended as JSON lines to a file when the config names one."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagemaker_pipelines_emulator.state import Execution, StepRun

EXECUTION_DETAIL_TYPE = "SageMaker Model Building Pipeline Execution Status Change"
STEP_DETAIL_TYPE = "SageMaker Model Building Pipeline Execution Step Status Change"


def _time(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _envelope(execution: Execution, detail_type: str, now: float, detail: dict[str, Any]) -> dict[str, Any]:
    _, _, _, region, account, _ = execution.arn.split(":", 5)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.sagemaker",
        "account": account,
        "time": _time(now),
        "region": region,
        "resources": [execution.pipeline.arn, execution.arn],
        "detail": {key: value for key, value in detail.items() if value is not None},
    }


class EventSink:
    """Writes events to `path` (None: events are dropped)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path

    def _write(self, event: dict[str, Any]) -> None:
        if self.path is None:
            return
        with open(self.path, "a", encoding="utf-8") as sink:
            sink.write(json.dumps(event, separators=(",", ":")) + "\n")

    def execution_changed(self, execution: Execution, previous: str | None, now: float) -> None:
        if self.path is None:
            return
        ended = execution.status in ("Succeeded", "Failed", "Stopped", "CompletedWithFailures")
        detail = {
            "pipelineExecutionDisplayName": execution.display_name or execution.execution_id,
            "currentPipelineExecutionStatus": execution.status,
            "previousPipelineExecutionStatus": previous,
            "executionStartTime": _time(execution.created),
            "executionEndTime": _time(execution.modified) if ended else None,
            "pipelineExecutionDescription": execution.description,
            "pipelineArn": execution.pipeline.arn,
            "pipelineExecutionArn": execution.arn,
        }
        self._write(_envelope(execution, EXECUTION_DETAIL_TYPE, now, detail))

    def step_changed(self, execution: Execution, run: StepRun, previous: str | None, now: float) -> None:
        if self.path is None:
            return
        detail = {
            "metadata": run.metadata,
            "stepStartTime": _time(run.start),
            "stepEndTime": _time(run.end),
            "stepName": run.name,
            "stepType": run.type,
            "previousStepStatus": previous,
            "currentStepStatus": run.status,
            "failureReason": run.failure_reason,
            "pipelineArn": execution.pipeline.arn,
            "pipelineExecutionArn": execution.arn,
        }
        self._write(_envelope(execution, STEP_DETAIL_TYPE, now, detail))

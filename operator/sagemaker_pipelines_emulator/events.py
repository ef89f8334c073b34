"""EventBridge-shaped status-change events ("SageMaker Model Building Pipeline Execution [Step]
Status Change"), appended as JSON lines to a file and/or sent to an SQS queue (as an EventBridge
rule with an SQS target delivers them) when the config names one."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3

if TYPE_CHECKING:
    from sagemaker_pipelines_emulator.state import Execution, StepRun

EXECUTION_DETAIL_TYPE = "SageMaker Model Building Pipeline Execution Status Change"
STEP_DETAIL_TYPE = "SageMaker Model Building Pipeline Execution Step Status Change"


def _time(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _camel(key: str) -> str:
    return key.lower() if key.isupper() else key[:1].lower() + key[1:]


def _camel_keys(value: Any) -> Any:
    """botocore's spelling (`ProcessingJob.Arn`) as the event's JSON has it (`processingJob.arn`)."""
    if isinstance(value, dict):
        return {_camel(str(k)): _camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_keys(v) for v in value]
    return value


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


log = logging.getLogger(__name__)


class QueueTarget:
    """SendMessage to one SQS queue; the endpoint is the queue URL's own host (moto's or AWS's)."""

    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url
        parts = urlsplit(queue_url)
        host = parts.hostname or ""
        region = host.split(".")[1] if host.startswith("sqs.") else "us-east-1"
        self._client = boto3.session.Session().client(
            "sqs", region_name=region, endpoint_url=f"{parts.scheme}://{parts.netloc}"
        )
        self._lock = threading.Lock()  # boto3 clients are thread-safe; the counter is not
        self.sent = 0

    def send(self, body: str) -> None:
        try:
            self._client.send_message(QueueUrl=self.queue_url, MessageBody=body)
        except Exception as exc:  # an EventBridge target that fails drops the event, as AWS may
            log.warning("could not deliver an event to %s: %s", self.queue_url, exc)
            return
        with self._lock:
            self.sent += 1


class EventSink:
    """Writes events to `path` and sends them to `queue_url` (both None: events are dropped)."""

    def __init__(self, path: str | None = None, queue_url: str | None = None) -> None:
        self.path = path
        self.queue: QueueTarget | None = None
        self.point_at(path, queue_url)

    def point_at(self, path: str | None, queue_url: str | None) -> None:
        self.path = path
        if queue_url is None:
            self.queue = None
        elif self.queue is None or self.queue.queue_url != queue_url:
            self.queue = QueueTarget(queue_url)

    @property
    def enabled(self) -> bool:
        return self.path is not None or self.queue is not None

    def _write(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":"))
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as sink:
                sink.write(line + "\n")
        if self.queue is not None:
            self.queue.send(line)

    def execution_changed(self, execution: Execution, previous: str | None, now: float) -> None:
        if not self.enabled:
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
        if not self.enabled:
            return
        detail = {
            "metadata": _camel_keys(run.metadata) or None,
            "stepStartTime": _time(run.start),
            "stepEndTime": _time(run.end),
            "stepName": run.name,
            "stepType": run.type,
            "previousStepStatus": previous,
            "currentStepStatus": run.status,
            "failureReason": run.failure_reason,
            "cacheHitResult": {"sourcePipelineExecutionArn": run.cache_source} if run.cache_source else None,
            "pipelineArn": execution.pipeline.arn,
            "pipelineExecutionArn": execution.arn,
        }
        self._write(_envelope(execution, STEP_DETAIL_TYPE, now, detail))

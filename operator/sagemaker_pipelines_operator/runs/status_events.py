"""The status-events consumer: long-polls the SQS queue SageMaker's status-change events arrive on
and tells the run tracker which executions to look at now (decision 37), which ended with a
final status to write as is (decision 75), and which steps changed how (decision 76). Shares the SQS access
(aws/sqs_queue.SqsQueue) and envelope reading (reconcile/envelopes) with PipelineTrigger."""

from __future__ import annotations

import logging
import threading

from sagemaker_pipelines_operator.api.trigger import SqsSource
from sagemaker_pipelines_operator.aws.sqs_queue import QueueMessage, SqsQueue
from sagemaker_pipelines_operator.errors import ReconcileError
from sagemaker_pipelines_operator.metrics import STATUS_EVENTS_TOTAL
from sagemaker_pipelines_operator.runs.plan.status_events import Ignored, status_hints
from sagemaker_pipelines_operator.runs.tracker import RunTracker
from sagemaker_pipelines_operator.runtime.context import OperatorContext

WAIT_SECONDS = 5
"""Long-polling wait of each ReceiveMessage: also how long a stop may take."""
EXECUTION_COALESCE_SECONDS = 1.0
"""An execution's status changed: look within this long, so that a pipeline's burst of changes
costs one listing."""
ERROR_PAUSE_SECONDS = 5.0
log = logging.getLogger(__name__)


class StatusEventConsumer:
    """One thread per operator; every message is deleted once read (an event is only a hint)."""

    def __init__(self, ctx: OperatorContext, tracker: RunTracker, queue_url: str) -> None:
        source = SqsSource(queue_url=queue_url, wait_time_seconds=WAIT_SECONDS)
        self.queue = SqsQueue(ctx.aws.factory.client("sqs", ctx.settings.region, None), source)
        self.tracker = tracker
        # A step's change alone does not change the run's phase: its steps alone are listed, within
        # the polling floor, when the event does not say enough to write them (decision 76).
        self.step_coalesce_seconds = ctx.settings.poll_min_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name="smpo-status-events", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(WAIT_SECONDS + 5)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                messages = self.queue.receive()
                for message in messages:
                    self.take(message)
                self.queue.delete(messages)
            except ReconcileError as exc:
                log.warning("status events queue: %s", exc.message)
                self._stopping.wait(ERROR_PAUSE_SECONDS)
            except Exception:  # the consumer must outlive any one bad batch
                log.exception("status events consumer failed; polling carries on")
                self._stopping.wait(ERROR_PAUSE_SECONDS)

    def take(self, message: QueueMessage) -> None:
        hints = status_hints(message.body)
        if isinstance(hints, Ignored):
            STATUS_EVENTS_TOTAL.labels(outcome=hints.reason).inc()
            return
        for hint in hints:
            if (final := hint.settled) is not None:
                known = self.tracker.settle(hint.execution_arn, final)
            else:
                # A step the event reports is written within the coalescing second too (a step
                # ending and the next starting are one write); one only a listing can tell waits
                # for the polling floor (one step listing for both).
                listing = hint.step_changed and hint.step is None
                within = self.step_coalesce_seconds if listing else EXECUTION_COALESCE_SECONDS
                known = self.tracker.hint(
                    hint.execution_arn,
                    steps=hint.step_changed,
                    within=within,
                    status=hint.status,
                    step=hint.step,
                )
            STATUS_EVENTS_TOTAL.labels(outcome="applied" if known else "untracked").inc()

"""The SQS source: long-poll the queue, turn a batch of messages into runs, and delete each message
only once its run exists (or it was decided otherwise). Malformed messages stay on the queue, so
its redrive policy moves them to a dead-letter queue after maxReceiveCount deliveries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.trigger import PipelineTrigger, PipelineTriggerStatus, SqsSource
from sagemaker_pipelines_operator.aws.calls import SQS, measured_call
from sagemaker_pipelines_operator.errors import Transient
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.triggers.apply import record, start_runs
from sagemaker_pipelines_operator.triggers.envelopes import Malformed, TriggerEvent, unwrap_message
from sagemaker_pipelines_operator.triggers.plan import EventDecision, malformed_decision

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    receipt_handle: str
    body: str


class SqsQueue:
    """ReceiveMessage and DeleteMessageBatch on one queue, measured (`smpo_sqs_requests_total`) and
    their errors mapped onto the taxonomy by `aws.calls`."""

    def __init__(self, client: Any, source: SqsSource) -> None:
        self._client = client
        self.source = source

    def receive(self) -> list[QueueMessage]:
        response = measured_call(
            SQS,
            "ReceiveMessage",
            lambda: self._client.receive_message(
                QueueUrl=self.source.queue_url,
                MaxNumberOfMessages=self.source.max_messages,
                WaitTimeSeconds=self.source.wait_time_seconds,
            ),
        )
        return [
            QueueMessage(m["MessageId"], m["ReceiptHandle"], str(m.get("Body", "")))
            for m in response.get("Messages", [])
        ]

    def delete(self, messages: Sequence[QueueMessage]) -> None:
        """Delete up to 10 messages in one call (authorised by sqs:DeleteMessage); a message that
        could not be deleted is redelivered later and then found to have its run."""
        if not messages:
            return
        entries = [{"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(messages)]
        response = measured_call(
            SQS,
            "DeleteMessageBatch",
            lambda: self._client.delete_message_batch(QueueUrl=self.source.queue_url, Entries=entries),
        )
        failed = response.get("Failed") or []
        if failed:
            codes = ", ".join(sorted({str(f.get("Code")) for f in failed}))
            raise Transient(
                c.AWS_UNAVAILABLE, f"DeleteMessageBatch: {len(failed)} messages not deleted ({codes})"
            )


def queue_for(ctx: OperatorContext, trigger: PipelineTrigger, role_arn: str | None) -> SqsQueue:
    source = trigger.spec.source.sqs
    assert source is not None
    return SqsQueue(ctx.aws.factory.client("sqs", source.region, role_arn), source)


def handle_messages(
    ctx: OperatorContext,
    trigger: PipelineTrigger,
    queue: SqsQueue,
    messages: Sequence[QueueMessage],
    status: PipelineTriggerStatus,
    *,
    now: datetime,
) -> PipelineTriggerStatus:
    """Decide, create runs, then delete the handled messages; returns the new status. Raises a
    taxonomy error when a run cannot be created: nothing is deleted then, the queue redelivers."""
    events: list[TriggerEvent] = []
    malformed: list[EventDecision] = []
    handled: list[QueueMessage] = []
    for message in messages:
        unwrapped = unwrap_message(message.body)
        if isinstance(unwrapped, Malformed):
            malformed.append(malformed_decision(unwrapped.reason, message.message_id))
            continue
        events.extend(unwrapped.events)
        handled.append(message)
    decisions = start_runs(ctx, trigger, events, now)
    queue.delete(handled)  # every run of these messages exists now
    return record(ctx, trigger, [*decisions, *malformed], status, now)

"""The SQS source: long-poll the queue, turn a batch of messages into runs, and delete each message
only once its run exists (or it was decided otherwise). Malformed messages stay on the queue, so
its redrive policy moves them to a dead-letter queue after maxReceiveCount deliveries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sagemaker_pipelines_operator.api.trigger import PipelineTrigger, PipelineTriggerStatus
from sagemaker_pipelines_operator.aws.sqs_queue import QueueMessage, SqsQueue
from sagemaker_pipelines_operator.reconcile.envelopes import Malformed, TriggerEvent, unwrap_message
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.triggers.apply import record, start_runs
from sagemaker_pipelines_operator.triggers.plan import EventDecision, malformed_decision

log = logging.getLogger(__name__)


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

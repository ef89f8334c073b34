"""One SQS queue, read and emptied: ReceiveMessage and DeleteMessageBatch, measured. Shared by
`PipelineTrigger`'s SQS source (`triggers/sqs`) and the status-event consumer (`runs/status_events`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.trigger import SqsSource
from sagemaker_pipelines_operator.aws.calls import SQS, measured_call
from sagemaker_pipelines_operator.errors import Transient


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

"""The Alertmanager source: check the bearer token against the trigger's Secret, read the webhook
payload, start runs for matching firing alerts, and say what HTTP status Alertmanager gets."""

from __future__ import annotations

import hmac
import json
from datetime import datetime

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.trigger import PipelineTrigger, PipelineTriggerStatus
from sagemaker_pipelines_operator.errors import Stalled
from sagemaker_pipelines_operator.reconcile.envelopes import Malformed
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects
from sagemaker_pipelines_operator.triggers.alerts import alert_events
from sagemaker_pipelines_operator.triggers.apply import record, start_runs
from sagemaker_pipelines_operator.triggers.plan import FILTERED, STARTED, EventDecision, malformed_decision

Answer = tuple[int, str]


def expected_token(ctx: OperatorContext, trigger: PipelineTrigger) -> str:
    """The token in the trigger's Secret; Stalled when the Secret or its key is missing."""
    source = trigger.spec.source.alertmanager
    assert source is not None
    ref, namespace = source.token_secret_ref, trigger.metadata["namespace"]
    data = ApiServerObjects(ctx).secret_data(namespace, ref.name)
    if data is None:
        raise Stalled(c.SOURCE_UNAVAILABLE, f"Secret {ref.name} not found")
    raw = data.get(ref.key)
    if not raw:
        raise Stalled(c.SOURCE_UNAVAILABLE, f"Secret {ref.name} has no key {ref.key!r}")
    return raw.decode().strip()


def handle_webhook(
    ctx: OperatorContext,
    trigger: PipelineTrigger,
    authorization: str,
    body: bytes,
    status: PipelineTriggerStatus,
    *,
    now: datetime,
) -> tuple[PipelineTriggerStatus, Answer]:
    """The new status and the HTTP answer; raises a taxonomy error when a run cannot be created
    (answered 503, so Alertmanager sends the notification again)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.encode(), expected_token(ctx, trigger).encode()
    ):
        return status, (401, "missing or wrong bearer token")
    source = trigger.spec.source.alertmanager
    assert source is not None
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    batch = (
        alert_events(payload, source.match_labels) if payload is not None else Malformed("body is not JSON")
    )
    if isinstance(batch, Malformed):
        decision = malformed_decision(batch.reason, "webhook")
        return record(ctx, trigger, [decision], status, now), (400, batch.reason)
    decisions = start_runs(ctx, trigger, batch.events, now)
    passed = [EventDecision(e, FILTERED) for e in batch.passed_over]
    after = record(ctx, trigger, [*decisions, *passed], status, now)
    started = sum(1 for d in decisions if d.outcome == STARTED)
    return after, (200, f"{len(batch.events)} matching firing alerts, {started} runs started")

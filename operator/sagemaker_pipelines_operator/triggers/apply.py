"""Carrying out a trigger's decisions, whatever the source: plan the events against the runs that
exist, cancel (Replace), create (idempotently), prune history; then count, report and record."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sagemaker_pipelines_operator.api.trigger import PipelineTrigger, PipelineTriggerStatus
from sagemaker_pipelines_operator.metrics import count_trigger_event
from sagemaker_pipelines_operator.reconcile.envelopes import TriggerEvent
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.triggers import runs as kube
from sagemaker_pipelines_operator.triggers.plan import (
    DEDUPLICATED,
    STARTED,
    EventDecision,
    events_for,
    plan_events,
    record_decisions,
    runs_beyond_history,
)

log = logging.getLogger(__name__)


def start_runs(
    ctx: OperatorContext, trigger: PipelineTrigger, events: Sequence[TriggerEvent], now: datetime
) -> list[EventDecision]:
    """Decide the events and make every run they need exist; raises a taxonomy error otherwise
    (the caller must then not acknowledge the events: their redelivery finds what was created)."""
    owned = kube.owned_runs(ctx, trigger)
    plan = plan_events(trigger, events, owned, now)
    namespace = trigger.metadata["namespace"]
    for name in plan.cancel:
        kube.cancel_run(ctx, namespace, name)
    created = {m["metadata"]["name"]: kube.create_run(ctx, trigger, m) for m in plan.create}
    decisions = [_found_existing(d, created) for d in plan.decisions]
    for name in runs_beyond_history(trigger, owned):
        kube.delete_run(ctx, namespace, name)
    repeated = sum(1 for d in decisions if d.outcome == DEDUPLICATED)
    if repeated:
        log.info(
            "trigger %s/%s: %d events whose run exists already", namespace, trigger.metadata["name"], repeated
        )
    return decisions


def record(
    ctx: OperatorContext,
    trigger: PipelineTrigger,
    decisions: Sequence[EventDecision],
    status: PipelineTriggerStatus,
    now: datetime,
) -> PipelineTriggerStatus:
    """Metrics and Events for the decisions; the status counting them."""
    namespace, name = str(trigger.metadata["namespace"]), str(trigger.metadata["name"])
    for decision in decisions:
        count_trigger_event(namespace, name, decision.outcome)
    kube.post(ctx, trigger.metadata, events_for(decisions))
    return record_decisions(status, decisions, now)


def _found_existing(decision: EventDecision, created: dict[str, bool]) -> EventDecision:
    """A run planned as new that existed already (created before a crash) is a deduplicated event."""
    if decision.outcome == STARTED and decision.run is not None and not created.get(decision.run, True):
        return replace(decision, outcome=DEDUPLICATED)
    return decision

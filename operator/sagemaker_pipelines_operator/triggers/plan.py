"""The PipelineTrigger decision: for each event, start a run, find it started already, or drop the
event (and say why); plus the runs to cancel (Replace) or delete (history limits) and the status.

Pure: the trigger, its owned runs and the clock in; a TriggerPlan out. The rate limit and
concurrency are judged from the runs that exist, so a restart cannot forget them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.api.trigger import PipelineTrigger, PipelineTriggerStatus, TriggerLastEvent
from sagemaker_pipelines_operator.reconcile.envelopes import TriggerEvent
from sagemaker_pipelines_operator.reconcile.verdict import Event
from sagemaker_pipelines_operator.triggers.matching import ParameterError, extract_parameters, passes_filter
from sagemaker_pipelines_operator.triggers.naming import event_key, run_name

TRIGGER_UID_LABEL = f"{GROUP}/trigger-uid"
"""Label on runs a trigger created (its UID: label values cannot hold long names)."""
EVENT_ID_ANNOTATION = f"{GROUP}/trigger-event"
"""Annotation on runs a trigger created: the id of the event that started it."""

STARTED, DEDUPLICATED, FILTERED = "started", "deduplicated", "filtered"
DROP_REASONS = {
    "malformed": "Malformed",
    "suspended": "Suspended",
    "forbidden": "Forbidden",
    "rate_limited": "RateLimited",
    "invalid_parameters": "InvalidParameters",
}
"""Outcome suffix (metric label `dropped_<suffix>`) -> reason in status counts."""
OUTCOMES = (STARTED, DEDUPLICATED, FILTERED, *(f"dropped_{s}" for s in DROP_REASONS))
"""Every value of the `outcome` label of smpo_trigger_events_total (metrics.TRIGGER_OUTCOMES; a
unit test keeps the two equal, since metrics must not import the decisions)."""


@dataclass(frozen=True)
class TriggerRun:
    """A PipelineRun this trigger owns, reduced to what the decision needs."""

    name: str
    created: datetime | None
    phase: PipelineRunPhase | None
    cancel: bool = False

    @property
    def finished(self) -> bool:
        return self.phase is not None and self.phase.finished


@dataclass(frozen=True)
class EventDecision:
    """What became of one event."""

    event: TriggerEvent
    outcome: str
    run: str | None = None
    """The run created or found (started, deduplicated)."""
    message: str = ""


@dataclass(frozen=True)
class TriggerPlan:
    decisions: tuple[EventDecision, ...]
    create: tuple[dict[str, Any], ...] = ()
    """PipelineRun manifests to create (owned by the trigger), in event order."""
    cancel: tuple[str, ...] = ()
    """Active runs to cancel (concurrencyPolicy Replace)."""

    @property
    def events(self) -> list[Event]:
        return events_for(self.decisions)


def plan_events(
    trigger: PipelineTrigger, events: Sequence[TriggerEvent], runs: Sequence[TriggerRun], now: datetime
) -> TriggerPlan:
    """Decide every event in order; a run created for one event counts for the next ones."""
    known = list(runs)
    decisions: list[EventDecision] = []
    create: list[dict[str, Any]] = []
    cancel: list[str] = []
    for event in events:
        decision, manifest, replaced = decide_event(trigger, event, known, now)
        decisions.append(decision)
        cancel.extend(n for n in replaced if n not in cancel)
        if manifest is not None:
            create.append(manifest)
            known = [
                *(TriggerRun(r.name, r.created, r.phase, r.cancel or r.name in replaced) for r in known),
                TriggerRun(manifest["metadata"]["name"], now, None),
            ]
    return TriggerPlan(tuple(decisions), tuple(create), tuple(cancel))


def run_name_for(trigger: PipelineTrigger, event: TriggerEvent) -> str:
    """The name of the run this event starts (or started)."""
    window = trigger.spec.debounce.window_seconds if trigger.spec.debounce else None
    return run_name(_name(trigger), _uid(trigger), event_key(event.id, event.time, window))


def decide_event(
    trigger: PipelineTrigger, event: TriggerEvent, runs: Sequence[TriggerRun], now: datetime
) -> tuple[EventDecision, dict[str, Any] | None, tuple[str, ...]]:
    """One event: the decision, the run to create and the runs to cancel."""
    spec = trigger.spec
    name = run_name_for(trigger, event)
    held = _held_back(trigger, event, runs, name) or _over_limits(trigger, event, runs, now)
    if held is not None:
        return held, None, ()
    parameters = extract_parameters(spec.parameters, event.document)
    if isinstance(parameters, ParameterError):
        return EventDecision(event, "dropped_invalid_parameters", message=parameters.message), None, ()
    active = [r for r in runs if not r.finished and not r.cancel]
    replaced = tuple(r.name for r in active) if spec.concurrency_policy == "Replace" else ()
    return EventDecision(event, STARTED, name), run_manifest(trigger, name, event, parameters), replaced


def _held_back(
    trigger: PipelineTrigger, event: TriggerEvent, runs: Sequence[TriggerRun], name: str
) -> EventDecision | None:
    """Why the event starts no run by its own nature: suspended, filtered out, already has its run."""
    if trigger.spec.suspend:
        return EventDecision(event, "dropped_suspended", message="trigger is suspended")
    if not passes_filter(trigger.spec.filter, event):
        return EventDecision(event, FILTERED)
    if any(r.name == name for r in runs):
        return EventDecision(event, DEDUPLICATED, name)
    return None


def _over_limits(
    trigger: PipelineTrigger, event: TriggerEvent, runs: Sequence[TriggerRun], now: datetime
) -> EventDecision | None:
    """Why the event starts no run now: the rate limit, or an active run under Forbid."""
    spec = trigger.spec
    if spec.rate_limit is not None:
        hour_ago = now - timedelta(hours=1)
        recent = sum(1 for r in runs if r.created is not None and r.created > hour_ago)
        if recent >= spec.rate_limit.runs_per_hour:
            message = f"{recent} runs started in the last hour (rateLimit {spec.rate_limit.runs_per_hour})"
            return EventDecision(event, "dropped_rate_limited", message=message)
    active = [r for r in runs if not r.finished and not r.cancel]
    if active and spec.concurrency_policy == "Forbid":
        names = ", ".join(r.name for r in active)
        return EventDecision(event, "dropped_forbidden", message=f"{names} still active (Forbid)")
    return None


def run_manifest(
    trigger: PipelineTrigger, name: str, event: TriggerEvent, parameters: dict[str, str]
) -> dict[str, Any]:
    """The PipelineRun for an event: the template, the event's parameters on top, owned by the trigger."""
    meta, template = trigger.metadata, trigger.spec.run_template
    spec = dump(template.spec)
    spec["parameters"] = {**template.spec.parameters, **parameters}
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineRun",
        "metadata": {
            "name": name,
            "namespace": meta.get("namespace"),
            "labels": {**template.metadata.labels, TRIGGER_UID_LABEL: _uid(trigger)},
            "annotations": {**template.metadata.annotations, EVENT_ID_ANNOTATION: event.id[:1024]},
            "ownerReferences": [
                {
                    "apiVersion": f"{GROUP}/{VERSION}",
                    "kind": "PipelineTrigger",
                    "name": _name(trigger),
                    "uid": _uid(trigger),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": spec,
    }


def runs_beyond_history(trigger: PipelineTrigger, runs: Sequence[TriggerRun]) -> list[str]:
    """Finished runs beyond the history limits, oldest first out."""
    spec = trigger.spec
    finished = sorted(
        (r for r in runs if r.finished),
        key=lambda r: (r.created.timestamp() if r.created else 0.0, r.name),
        reverse=True,
    )
    succeeded = [r.name for r in finished if r.phase == PipelineRunPhase.SUCCEEDED]
    unsuccessful = [r.name for r in finished if r.phase != PipelineRunPhase.SUCCEEDED]
    return succeeded[spec.successful_runs_history_limit :] + unsuccessful[spec.failed_runs_history_limit :]


def record_decisions(
    status: PipelineTriggerStatus, decisions: Sequence[EventDecision], now: datetime
) -> PipelineTriggerStatus:
    """Status counts, last event and last run after these decisions."""
    after = status.model_copy(deep=True)
    counts = after.counts
    for decision in decisions:
        counts.received += 1
        outcome = decision.outcome
        if outcome in (STARTED, DEDUPLICATED) or outcome in ("dropped_forbidden", "dropped_rate_limited"):
            counts.matched += 1
        if outcome == STARTED:
            counts.started += 1
            after.runs += 1
            after.last_run = decision.run
        elif outcome == DEDUPLICATED:
            counts.deduplicated += 1
        elif outcome == FILTERED:
            counts.filtered += 1
        else:
            reason = DROP_REASONS[outcome.removeprefix("dropped_")]
            counts.dropped[reason] = counts.dropped.get(reason, 0) + 1
        event = decision.event
        after.last_event = TriggerLastEvent(
            id=event.id[:1024], time=now, outcome=outcome, detail=event.detail[:1024]
        )
    return after


def malformed_decision(reason: str, message_id: str) -> EventDecision:
    """A message that carried no event: counted as received and dropped (the queue keeps it)."""
    event = TriggerEvent(id=f"message:{message_id}", time=None, document={}, detail=f"message {message_id}")
    return EventDecision(event, "dropped_malformed", message=reason)


def events_for(decisions: Sequence[EventDecision]) -> list[Event]:
    """An Event per run started and per event dropped (filtered and deduplicated ones are routine)."""
    events = []
    for d in decisions:
        if d.outcome == STARTED:
            events.append(Event("Normal", c.TRIGGERED, f"created {d.run} for {d.event.detail}"))
        elif d.outcome.startswith("dropped_"):
            events.append(Event("Warning", c.EVENT_DROPPED, f"{d.event.detail}: {d.message}"))
    return events


def _name(trigger: PipelineTrigger) -> str:
    return str(trigger.metadata.get("name", "trigger"))


def _uid(trigger: PipelineTrigger) -> str:
    return str(trigger.metadata.get("uid", ""))

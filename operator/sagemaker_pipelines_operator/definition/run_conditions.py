"""DependsOn entries: a step name, or the SDK 3.x run condition `{"Step": name, "Trigger": outcome}`
(sagemaker-mlops 1.27 workflow/step_dependency.py) that runs the step on another upstream outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# TriggerCondition's values; the SDK writes Completed as a plain name, but the object form is valid.
TRIGGERS = ("Completed", "Failed", "Stopped", "Any")
RUN_CONDITION_KEYS = ("Step", "Trigger")
# Which ends of the upstream step let a dependent step with each trigger run.
FIRES_ON = {
    "Completed": frozenset({"succeeded"}),
    "Failed": frozenset({"failed"}),
    "Stopped": frozenset({"stopped"}),
    "Any": frozenset({"succeeded", "failed", "stopped"}),
}


def depends_on_entry(entry: object) -> tuple[str, str] | None:
    """(upstream step, trigger) of a well-formed DependsOn entry, else None."""
    if isinstance(entry, str):
        return entry, "Completed"
    if isinstance(entry, Mapping) and set(entry) == set(RUN_CONDITION_KEYS):
        step, trigger = entry["Step"], entry["Trigger"]
        if isinstance(step, str) and trigger in TRIGGERS:
            return step, str(trigger)
    return None


def run_conditions(body: Mapping[str, Any]) -> dict[str, str]:
    """Upstream step -> trigger for each well-formed DependsOn entry of a step (first entry wins)."""
    depends_on = body.get("DependsOn")
    found: dict[str, str] = {}
    for entry in depends_on if isinstance(depends_on, list) else []:
        parsed = depends_on_entry(entry)
        if parsed is not None:
            found.setdefault(*parsed)
    return found


def entry_problem(entry: object) -> str | None:
    """Why a DependsOn entry is malformed (its target is checked elsewhere), or None."""
    if isinstance(entry, str):
        return None
    if not isinstance(entry, Mapping):
        return f"DependsOn entries are step names or {{Step, Trigger}} run conditions, got {entry!r}"
    unknown = sorted(set(entry) - set(RUN_CONDITION_KEYS))
    if unknown:
        return f"a run condition has only Step and Trigger, not {', '.join(unknown)}"
    if not isinstance(entry.get("Step"), str):
        return "a run condition needs Step, the name of the upstream step"
    if entry.get("Trigger") not in TRIGGERS:
        return f"Trigger must be one of {', '.join(TRIGGERS)}, got {entry.get('Trigger')!r}"
    return None

"""Setting conditions the Kubernetes way: one per type, lastTransitionTime moves only on change."""

from __future__ import annotations

from datetime import datetime

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import Condition, ConditionStatus


def set_condition(
    conditions: list[Condition],
    type_: str,
    status: ConditionStatus,
    reason: str,
    message: str,
    *,
    generation: int | None,
    now: datetime,
) -> list[Condition]:
    """A new list with the condition of `type_` set; other conditions are kept in order."""
    previous = next((x for x in conditions if x.type == type_), None)
    moved = previous is None or previous.status != status
    updated = Condition(
        type=type_,
        status=status,
        reason=reason,
        message=message,
        observed_generation=generation,
        last_transition_time=now if moved or previous is None else previous.last_transition_time,
    )
    if previous is None:
        return [*conditions, updated]
    return [updated if x.type == type_ else x for x in conditions]


def remove_condition(conditions: list[Condition], type_: str) -> list[Condition]:
    return [x for x in conditions if x.type != type_]


def kstatus(
    conditions: list[Condition],
    *,
    ready: ConditionStatus,
    reason: str,
    message: str,
    reconciling: bool,
    stalled: bool,
    generation: int | None,
    now: datetime,
) -> list[Condition]:
    """Ready plus the kstatus abnormal-true conditions (Reconciling, Stalled), which kstatus
    wants absent or False when they do not apply; we write them False to keep history."""
    out = set_condition(conditions, c.READY, ready, reason, message, generation=generation, now=now)
    out = set_condition(
        out,
        c.RECONCILING,
        "True" if reconciling else "False",
        reason if reconciling else c.RECONCILED if ready == "True" else reason,
        message if reconciling else "",
        generation=generation,
        now=now,
    )
    return set_condition(
        out,
        c.STALLED,
        "True" if stalled else "False",
        reason if stalled else c.RECONCILED if ready == "True" else reason,
        message if stalled else "",
        generation=generation,
        now=now,
    )

"""What a finished Pipeline pass writes: the verdict (with Drifted), the status fields and the
Events for the writes and findings of its plan. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import rfc3339
from sagemaker_pipelines_operator.definition import declared_parameters
from sagemaker_pipelines_operator.pipelines.plan.pipeline import (
    DesiredPipeline,
    PipelineAction,
    PipelinePlan,
    Recorded,
)
from sagemaker_pipelines_operator.reconcile.verdict import ConditionUpdate, Event, NotReady, Verdict, ready


def precise_rfc3339(moment: datetime) -> str:
    """RFC 3339 with microseconds: LastModifiedTime is compared for equality, seconds are too coarse."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Applied:
    """What the writes of a pass produced (all None when nothing was written)."""

    arn: str
    version_id: int | None
    last_modified: datetime | None
    """Live LastModifiedTime when nothing was written; None after a write (read it next resync)."""


def drift_condition(plan: PipelinePlan, recorded: Recorded) -> ConditionUpdate | None:
    """Drifted as this plan leaves it; None keeps the current condition."""
    if plan.action is PipelineAction.REPORT:
        reason = c.PIPELINE_DELETED_IN_SAGEMAKER if plan.missing else c.DRIFT_DETECTED
        return ConditionUpdate(c.DRIFTED, "True", reason, f"{plan.message} (driftPolicy: Report)")
    if plan.drift:
        return ConditionUpdate(c.DRIFTED, "False", c.DRIFT_CORRECTED, f"{plan.message}; re-applied the spec")
    if plan.action is PipelineAction.REFUSE:
        return None
    if recorded.drift_reported or recorded.applied_hash is None:
        return ConditionUpdate(c.DRIFTED, "False", c.NO_DRIFT, "live pipeline matches the spec")
    return None


def pipeline_verdict(
    plan: PipelinePlan, desired: DesiredPipeline, recorded: Recorded, applied: Applied
) -> Verdict:
    """Ready for a plan that was carried out (REFUSE is raised as Stalled before this)."""
    drifted = drift_condition(plan, recorded)
    also = (drifted,) if drifted is not None else ()
    if plan.action is PipelineAction.REPORT and plan.missing:
        # Nothing can run on a pipeline that is gone; Report forbids recreating it.
        return NotReady(c.PIPELINE_DELETED_IN_SAGEMAKER, f"{plan.message} (driftPolicy: Report)", also=also)
    version = applied.version_id if applied.version_id is not None else recorded.pipeline_version_id
    shown = f" version {version}" if version is not None else ""
    message = f"SageMaker pipeline {desired.name}{shown} matches the spec"
    if plan.action is PipelineAction.REPORT:
        message = f"SageMaker pipeline {desired.name} runs, but {plan.message} (driftPolicy: Report)"
    return replace(ready(c.RECONCILED, message), also=also)


def pipeline_status_fields(
    plan: PipelinePlan,
    desired: DesiredPipeline,
    recorded: Recorded,
    applied: Applied,
    *,
    now: datetime,
) -> dict[str, Any]:
    """Status fields (wire form) after the plan was carried out."""
    fields: dict[str, Any] = {
        "pipelineName": desired.name,
        "region": desired.region,
        "arn": applied.arn,
        "lastModifiedTime": precise_rfc3339(applied.last_modified) if applied.last_modified else None,
    }
    newly_drifted = plan.drift and not (plan.action is PipelineAction.REPORT and recorded.drift_reported)
    if newly_drifted:
        fields["driftCount"] = recorded.drift_count + 1
    if plan.action is PipelineAction.REPORT:
        return fields  # what we applied is unchanged; live is not ours to describe as synced
    fields.update(
        definitionHash=desired.definition_hash,
        appliedHash=desired.fingerprint(),
        pipelineVersionId=applied.version_id
        if applied.version_id is not None
        else recorded.pipeline_version_id,
        parameters=[
            {k: v for k, v in {"name": p.name, "type": p.type, "default": p.default}.items() if v is not None}
            for p in declared_parameters(desired.definition)
        ],
        lastSyncTime=rfc3339(now),
    )
    return fields


def plan_events(plan: PipelinePlan, desired: DesiredPipeline, version_id: int | None) -> list[Event]:
    """Events for what the plan did or found (Ready transitions are posted separately)."""
    name = desired.name
    version = f" (version {version_id})" if version_id is not None else ""
    events: list[Event] = []
    if plan.missing:
        events.append(Event("Warning", c.PIPELINE_DELETED_IN_SAGEMAKER, plan.message))
    elif plan.drift and plan.action is PipelineAction.REPORT:
        events.append(Event("Warning", c.DRIFT_DETECTED, f"{plan.message}; driftPolicy Report leaves it"))
    elif plan.drift:
        events.append(Event("Warning", c.DRIFT_CORRECTED, f"{plan.message}; re-applied the spec{version}"))
    if plan.action is PipelineAction.ADOPT:
        events.append(Event("Normal", c.ADOPTED, f"adopted existing SageMaker pipeline {name}"))
    if plan.action is PipelineAction.CREATE:
        events.append(Event("Normal", c.CREATED, f"created SageMaker pipeline {name}{version}"))
    elif plan.action in (PipelineAction.UPDATE, PipelineAction.ADOPT):
        fields = [x for x in plan.differences if x != "tags"]
        if fields:
            events.append(Event("Normal", c.UPDATED, f"updated {', '.join(fields)} of {name}{version}"))
        if plan.add_tags or plan.delete_tags:
            events.append(Event("Normal", c.TAGS_SYNCED, _tag_message(plan.add_tags, plan.delete_tags)))
    return events


def _tag_message(add: Mapping[str, str], delete: tuple[str, ...]) -> str:
    parts = []
    if add:
        parts.append(f"set {', '.join(sorted(add))}")
    if delete:
        parts.append(f"removed {', '.join(delete)}")
    return "tags: " + "; ".join(parts)

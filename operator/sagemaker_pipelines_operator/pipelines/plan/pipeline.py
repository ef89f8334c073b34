"""plan_pipeline: the one decision about a SageMaker pipeline (create, update, adopt, refuse, report
or leave it) from the desired state, the live pipeline and what status remembers. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sagemaker_pipelines_operator.api.common import TAG_VALUE_MAX
from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY
from sagemaker_pipelines_operator.definition import canonical_json, definition_hash
from sagemaker_pipelines_operator.reconcile.live_pipeline import LivePipeline

SYSTEM_TAG_PREFIXES = ("aws:", "sagemaker:")
"""Tags AWS or SageMaker set themselves (projects, Studio): never compared, never deleted."""

# UpdatePipeline field -> the spec field a person knows it by.
SPEC_FIELD = {
    "PipelineDefinition": "definition",
    "RoleArn": "roleArn",
    "PipelineDisplayName": "displayName",
    "PipelineDescription": "description",
    "ParallelismConfiguration": "parallelism",
}


def owner_tag_value(cluster_id: str, namespace: str, name: str) -> str:
    """`<cluster>/<namespace>/<name>`; overlong values keep a digest so they stay unique."""
    value = f"{cluster_id}/{namespace}/{name}"
    if len(value) <= TAG_VALUE_MAX:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:16]
    return f"{value[: TAG_VALUE_MAX - len(digest) - 1]}+{digest}"


class Ownership(StrEnum):
    """Whose a live SageMaker pipeline is, by its owner tag."""

    OURS = "ours"
    UNOWNED = "unowned"
    ELSEWHERE = "elsewhere"


def ownership(tags: Mapping[str, str], owner: str) -> Ownership:
    tag = tags.get(OWNER_TAG_KEY)
    if tag is None:
        return Ownership.UNOWNED
    return Ownership.OURS if tag == owner else Ownership.ELSEWHERE


@dataclass(frozen=True)
class DesiredPipeline:
    """What the spec asks SageMaker to hold (definition already parsed and validated)."""

    name: str
    region: str
    role_arn: str
    definition: Mapping[str, Any]
    owner: str
    s3_location: Mapping[str, str] | None = None
    """Set for `definition.s3`: sent as PipelineDefinitionS3Location instead of the text."""
    display_name: str | None = None
    description: str | None = None
    parallelism: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    """Spec tags plus the owner tag."""
    adopt: bool = False
    report_drift: bool = False

    @property
    def definition_hash(self) -> str:
        return definition_hash(self.definition)

    def fingerprint(self) -> str:
        """Hash of every setting SageMaker holds for us: equal fingerprints mean Git did not move."""
        settings = {
            "name": self.name,
            "region": self.region,
            "roleArn": self.role_arn,
            "definitionHash": self.definition_hash,
            "displayName": self.display_name,
            "description": self.description,
            "parallelism": self.parallelism,
            "tags": dict(self.tags),
        }
        return hashlib.sha256(canonical_json(settings).encode()).hexdigest()


@dataclass(frozen=True)
class Recorded:
    """What status remembers from earlier passes."""

    arn: str | None = None
    pipeline_name: str | None = None
    region: str | None = None
    definition_hash: str | None = None
    applied_hash: str | None = None
    """DesiredPipeline.fingerprint() of the last successful apply."""
    pipeline_version_id: int | None = None
    last_modified: datetime | None = None
    drift_count: int = 0
    drift_reported: bool = False
    """Drifted=True is already in status (so a standing drift is counted once)."""
    run_on_change_hash: str | None = None


class PipelineAction(StrEnum):
    NONE = "none"
    """Live matches the spec."""
    CREATE = "create"
    """No such pipeline (or it vanished and drift is corrected): CreatePipeline."""
    UPDATE = "update"
    """UpdatePipeline with `changed` and/or tag changes."""
    ADOPT = "adopt"
    """Claim an unowned pipeline with the owner tag, then apply the spec."""
    REFUSE = "refuse"
    """Another resource owns it, or nobody does and adoption is not allowed: write nothing."""
    REPORT = "report"
    """Drift under `driftPolicy: Report`: write nothing, say so."""


@dataclass(frozen=True)
class PipelinePlan:
    action: PipelineAction
    changed: tuple[str, ...] = ()
    """UpdatePipeline fields whose live value differs (PipelineDefinition, RoleArn, ...)."""
    add_tags: Mapping[str, str] = field(default_factory=dict)
    delete_tags: tuple[str, ...] = ()
    drift: bool = False
    """Live differs from what was applied while Git stayed put (or the pipeline vanished)."""
    missing: bool = False
    """The pipeline was ours and is gone from SageMaker."""
    message: str = ""

    @property
    def writes(self) -> bool:
        return self.action is PipelineAction.CREATE or (
            self.action in (PipelineAction.UPDATE, PipelineAction.ADOPT)
            and bool(self.changed or self.add_tags or self.delete_tags)
        )

    @property
    def differences(self) -> tuple[str, ...]:
        """Spec field names that differ, for messages."""
        names = [SPEC_FIELD[x] for x in self.changed]
        if self.add_tags or self.delete_tags:
            names.append("tags")
        return tuple(names)


def changed_fields(desired: DesiredPipeline, live: LivePipeline) -> tuple[str, ...]:
    """UpdatePipeline fields to send. Optional settings left unset in the spec are not managed:
    SageMaker fills some itself (the display name), and comparing them would update forever."""
    changed: list[str] = []
    if live.definition_hash != desired.definition_hash:
        changed.append("PipelineDefinition")
    if live.role_arn != desired.role_arn:
        changed.append("RoleArn")
    if desired.display_name is not None and live.display_name != desired.display_name:
        changed.append("PipelineDisplayName")
    if desired.description is not None and live.description != desired.description:
        changed.append("PipelineDescription")
    if desired.parallelism is not None and live.parallelism != desired.parallelism:
        changed.append("ParallelismConfiguration")
    return tuple(changed)


def _system_tag(key: str) -> bool:
    return key.startswith(SYSTEM_TAG_PREFIXES)


def tag_changes(
    desired: Mapping[str, str], live: Mapping[str, str]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Tags to add (or overwrite) and keys to delete so that live equals desired; the spec is the
    whole truth about tags except those AWS and SageMaker manage."""
    add = {k: v for k, v in sorted(desired.items()) if live.get(k) != v}
    delete = tuple(sorted(k for k in live if k not in desired and not _system_tag(k)))
    return add, delete


def _was_ours(desired: DesiredPipeline, recorded: Recorded) -> bool:
    return (
        recorded.arn is not None
        and recorded.pipeline_name == desired.name
        and recorded.region in (None, desired.region)
    )


def plan_pipeline(desired: DesiredPipeline, live: LivePipeline | None, recorded: Recorded) -> PipelinePlan:
    """The action that brings SageMaker to the spec, or the reason not to touch it."""
    git_moved = desired.fingerprint() != recorded.applied_hash
    if live is None:
        return _plan_absent(desired, recorded, git_moved)
    owner = ownership(live.tags, desired.owner)
    refusal = _refusal(desired, live, recorded, owner)
    if refusal is not None:
        return refusal
    changed = changed_fields(desired, live)
    add, delete = tag_changes(desired.tags, live.tags)
    if owner is Ownership.UNOWNED and live.arn != recorded.arn:
        return PipelinePlan(PipelineAction.ADOPT, changed, add, delete)
    if not (changed or add or delete):
        return PipelinePlan(PipelineAction.NONE)
    if git_moved:
        return PipelinePlan(PipelineAction.UPDATE, changed, add, delete)
    # Git did not move since the last apply, so SageMaker was changed behind our back.
    plan = PipelinePlan(PipelineAction.UPDATE, changed, add, delete, drift=True)
    message = f"live pipeline differs from the spec in: {', '.join(plan.differences)}"
    action = PipelineAction.REPORT if desired.report_drift else PipelineAction.UPDATE
    return PipelinePlan(action, changed, add, delete, drift=True, message=message)


def _plan_absent(desired: DesiredPipeline, recorded: Recorded, git_moved: bool) -> PipelinePlan:
    """No SageMaker pipeline of that name: create it, unless it was ours and Report forbids."""
    if not _was_ours(desired, recorded):
        return PipelinePlan(PipelineAction.CREATE)
    message = f"SageMaker pipeline {desired.name} was deleted outside Git"
    action = PipelineAction.REPORT if desired.report_drift and not git_moved else PipelineAction.CREATE
    return PipelinePlan(action, drift=True, missing=True, message=message)


def _refusal(
    desired: DesiredPipeline, live: LivePipeline, recorded: Recorded, owner: Ownership
) -> PipelinePlan | None:
    """Why this resource must not touch the live pipeline (another owner, no adoption), or None."""
    if owner is Ownership.ELSEWHERE:
        return PipelinePlan(
            PipelineAction.REFUSE,
            message=f"SageMaker pipeline {desired.name} is managed by {live.tags[OWNER_TAG_KEY]} "
            f"(tag {OWNER_TAG_KEY}); this resource will not touch it",
        )
    if owner is Ownership.UNOWNED and live.arn != recorded.arn and not desired.adopt:
        return PipelinePlan(
            PipelineAction.REFUSE,
            message=f"SageMaker pipeline {desired.name} already exists and no resource owns it; "
            "set adoptionPolicy: Adopt to take it over",
        )
    return None

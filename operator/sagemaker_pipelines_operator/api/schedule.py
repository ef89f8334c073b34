"""The PipelineSchedule kind: CronJob semantics for PipelineRuns."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import ConfigDict, Field, field_validator, model_validator

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.api.common import (
    ApiModel,
    Condition,
    ParameterValues,
    StatusModel,
    Timestamp,
    cel,
    cel_rules,
    repeated,
)
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunSpec
from sagemaker_pipelines_operator.api.versions import PipelineVersionSelector

VARIANT_NAME_MAX = 20
"""A short suffix for run names (`<schedule>-<minutes>-<variant>`) and a label value."""
VARIANTS_MAX = 8
VariantName = Annotated[
    str, Field(min_length=1, max_length=VARIANT_NAME_MAX, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
]

SCHEDULE_UID_LABEL = f"{GROUP}/schedule-uid"
"""Label on runs a schedule created (a UID: label values cannot hold long object names)."""
SCHEDULED_TIME_ANNOTATION = f"{GROUP}/scheduled-time"
"""Annotation on runs a schedule created: the scheduled time, RFC 3339 UTC."""
VARIANT_LABEL = f"{GROUP}/variant"
"""Label on runs of a schedule with variants: the variant (champion/challenger arm) it runs."""


class RunTemplateMetadata(ApiModel):
    """Labels and annotations copied onto every run the schedule creates."""

    labels: dict[str, str] = Field(default_factory=dict)
    """Labels for created runs."""
    annotations: dict[str, str] = Field(default_factory=dict)
    """Annotations for created runs."""


class RunTemplate(ApiModel):
    """The PipelineRun each scheduled time creates."""

    metadata: RunTemplateMetadata = Field(default_factory=RunTemplateMetadata)
    """Metadata for created runs."""
    spec: PipelineRunSpec
    """Spec for created runs."""


class RunVariant(ApiModel):
    """One arm of a champion/challenger (A/B) schedule: the template's run with another version
    (and, if wanted, other parameter values), started at the same scheduled time."""

    name: VariantName
    """Names the arm: the run's name suffix and its `sagemaker.pipelines.dev/variant` label."""
    pipeline_version: PipelineVersionSelector | None = None
    """The version this arm runs, by id or alias; unset: the template's."""
    parameters: ParameterValues = Field(default_factory=dict)
    """Parameter values merged over the template's (leave unset to run both arms on the same inputs)."""


class PipelineScheduleSpec(ApiModel):
    """When and how to create PipelineRuns."""

    model_config = cel_rules(
        cel(
            "!has(self.variants) || self.variants.all(v, self.variants.exists_one(w, w.name == v.name))",
            "variant names must be unique",
            ".variants",
        ),
        cel(
            "!has(self.variants) || has(self.runTemplate.spec.pipelineRef)"
            " || self.variants.all(v, !has(v.pipelineVersion) || !has(v.pipelineVersion.alias))",
            "a variant's version alias needs runTemplate.spec.pipelineRef",
            ".variants",
        ),
    )

    schedule: Annotated[str, Field(min_length=1, max_length=256)]
    """Cron expression (5 fields, or @hourly/@daily/...)."""
    run_template: RunTemplate
    """The run to create."""
    variants: Annotated[list[RunVariant], Field(max_length=VARIANTS_MAX)] = Field(default_factory=list)
    """Champion/challenger: each scheduled time creates one run per variant, all from the template
    (same inputs), each with its own version. History limits then count scheduled times."""
    time_zone: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    """IANA time zone of the schedule; defaults to UTC."""
    suspend: bool = False
    """Stop creating runs (runs already created are not affected)."""
    concurrency_policy: Literal["Allow", "Forbid", "Replace"] = "Forbid"
    """Allow overlapping runs, Forbid (skip a time while a run is active) or Replace (cancel the
    active run, then start). Forbid is the default: overlapping retraining is rarely wanted."""
    starting_deadline_seconds: Annotated[int, Field(ge=1)] | None = None
    """A scheduled time missed by more than this is skipped (at most one catch-up run)."""
    successful_runs_history_limit: Annotated[int, Field(ge=0, le=100)] = 3
    """Finished successful runs to keep."""
    failed_runs_history_limit: Annotated[int, Field(ge=0, le=100)] = 1
    """Finished unsuccessful runs to keep."""

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        if not croniter.is_valid(value) or len(value.split()) > 5:
            raise ValueError(f"not a valid 5-field cron expression: {value!r}")
        return value

    @field_validator("variants")
    @classmethod
    def _unique_variants(cls, value: list[RunVariant]) -> list[RunVariant]:
        twice = repeated([v.name for v in value])
        if twice:
            raise ValueError(f"variant names must be unique; repeated: {', '.join(twice)}")
        return value

    @model_validator(mode="after")
    def _aliases_need_a_pipeline_ref(self) -> PipelineScheduleSpec:
        if self.run_template.spec.pipeline_ref is None:
            aliased = [v.name for v in self.variants if v.pipeline_version and v.pipeline_version.alias]
            if aliased:
                raise ValueError(
                    f"variants {', '.join(aliased)} name a version alias,"
                    " which needs runTemplate.spec.pipelineRef"
                )
        return self

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown IANA time zone: {value!r}") from None
        return value


class ActiveRun(StatusModel):
    """A run created by this schedule that has not finished."""

    name: str
    """PipelineRun name."""


class PipelineScheduleStatus(StatusModel):
    """Observed state of the schedule."""

    observed_generation: int | None = None
    """The generation this status was written for."""
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    """Ready, Reconciling, Stalled."""
    active: list[ActiveRun] = Field(default_factory=list)
    """Runs that have not finished."""
    last_schedule_time: Timestamp | None = None
    """The last scheduled time a run was created for."""
    last_skipped_time: Timestamp | None = None
    """The last scheduled time skipped (Forbid while a run was active, or past the deadline)."""
    last_successful_time: Timestamp | None = None
    """When a run of this schedule last succeeded."""
    next_schedule_time: Timestamp | None = None
    """The next scheduled time."""


class PipelineSchedule(ApiModel):
    """Creates PipelineRuns on a cron schedule."""

    model_config = ConfigDict(extra="ignore")

    api_version: Literal["sagemaker.pipelines.dev/v1alpha1"] = "sagemaker.pipelines.dev/v1alpha1"
    kind: Literal["PipelineSchedule"] = "PipelineSchedule"
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: PipelineScheduleSpec
    status: PipelineScheduleStatus = Field(default_factory=PipelineScheduleStatus)

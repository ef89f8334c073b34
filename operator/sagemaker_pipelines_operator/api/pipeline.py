"""The Pipeline kind: a SageMaker pipeline whose definition and settings live in Git."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from sagemaker_pipelines_operator.api.common import (
    CONFIGMAP_KEY_PATTERN,
    REGION_PATTERN,
    ROLE_ARN_MAX,
    ROLE_ARN_MIN,
    ROLE_ARN_PATTERN,
    S3_BUCKET_PATTERN,
    S3_KEY_MAX,
    TAG_KEY_MAX,
    TAG_VALUE_MAX,
    TAGS_MAX,
    ApiModel,
    Condition,
    DescriptionStr,
    ObjectName,
    Parallelism,
    ParameterValues,
    PipelineNameStr,
    StatusModel,
    Timestamp,
    cel,
    cel_rules,
    repeated,
)
from sagemaker_pipelines_operator.api.metadata import ObjectMeta
from sagemaker_pipelines_operator.api.versions import (
    ALIASES_MAX,
    AppliedVersionAlias,
    GitLineage,
    VersionAlias,
)

OWNER_TAG_KEY = "sagemaker.pipelines.dev/owner"
"""Tag the operator puts on every SageMaker pipeline it creates: `<cluster>/<namespace>/<name>`."""

TAG_PATTERN = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"  # [TagKey], [TagValue]
TagKey = Annotated[str, Field(min_length=1, max_length=TAG_KEY_MAX, pattern=TAG_PATTERN)]
TagValue = Annotated[str, Field(max_length=TAG_VALUE_MAX, pattern=TAG_PATTERN)]


class ConfigMapKeyReference(ApiModel):
    """A key of a ConfigMap in the Pipeline's namespace."""

    name: ObjectName
    """ConfigMap name."""
    key: Annotated[str, Field(min_length=1, max_length=253, pattern=CONFIGMAP_KEY_PATTERN)]
    """Key whose value is the definition (JSON or YAML)."""


class S3Location(ApiModel):
    """An S3 object holding the definition; passed to SageMaker as PipelineDefinitionS3Location."""

    bucket: Annotated[str, Field(min_length=3, max_length=63, pattern=S3_BUCKET_PATTERN)]
    """Bucket name."""
    key: Annotated[str, Field(min_length=1, max_length=S3_KEY_MAX)]
    """Object key."""
    version_id: Annotated[str, Field(min_length=1, max_length=1024)] | None = None
    """Object version; pin it so that Git, not the bucket, decides what is applied."""


class DefinitionSource(ApiModel):
    """Where the pipeline definition comes from: exactly one of inline, configMapRef or s3."""

    model_config = cel_rules(
        cel(
            "[has(self.inline), has(self.configMapRef), has(self.s3)].filter(x, x).size() == 1",
            "set exactly one of inline, configMapRef or s3",
        )
    )

    inline: Annotated[
        dict[str, Any] | None,
        Field(json_schema_extra={"x-kubernetes-preserve-unknown-fields": True}),
    ] = None
    """The SageMaker pipeline definition document itself (YAML or JSON object)."""
    config_map_ref: ConfigMapKeyReference | None = None
    """A ConfigMap key holding the definition; a change to the ConfigMap is applied."""
    s3: S3Location | None = None
    """An S3 object holding the definition."""

    @model_validator(mode="after")
    def _exactly_one_source(self) -> DefinitionSource:
        given = [n for n in ("inline", "configMapRef", "s3") if getattr(self, _snake(n)) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"set exactly one of inline, configMapRef or s3 (found: {found})")
        return self


def _snake(camel: str) -> str:
    return "config_map_ref" if camel == "configMapRef" else camel


class RunOnChange(ApiModel):
    """Start a PipelineRun whenever a new definition is applied (deploy-on-merge)."""

    parameters: ParameterValues = Field(default_factory=dict)
    """Parameter values for the run."""


def _immutable(field: str) -> dict[str, str]:
    # Renaming or moving would strand the old SageMaker pipeline (still carrying our owner tag).
    return cel(
        f"has(self.{field}) == has(oldSelf.{field})"
        f" && (!has(self.{field}) || self.{field} == oldSelf.{field})",
        f"{field} is immutable: create a new Pipeline instead",
        f".{field}",
    )


class PipelineSpec(ApiModel):
    """Desired state of a SageMaker pipeline."""

    model_config = cel_rules(
        cel(
            f"!has(self.tags) || self.tags.all(k, !k.startsWith('aws:') && k != '{OWNER_TAG_KEY}')",
            f"keys starting with 'aws:' and '{OWNER_TAG_KEY}' are reserved",
            ".tags",
        ),
        *(_immutable(f) for f in ("pipelineName", "region")),
    )

    role_arn: Annotated[
        str, Field(min_length=ROLE_ARN_MIN, max_length=ROLE_ARN_MAX, pattern=ROLE_ARN_PATTERN)
    ]
    """IAM role SageMaker assumes to run the pipeline."""
    definition: DefinitionSource
    """The pipeline definition."""
    pipeline_name: PipelineNameStr | None = None
    """SageMaker pipeline name; defaults to metadata.name."""
    display_name: PipelineNameStr | None = None
    """SageMaker display name."""
    description: DescriptionStr | None = None
    """SageMaker pipeline description."""
    region: Annotated[str, Field(pattern=REGION_PATTERN)] | None = None
    """AWS region; defaults to the operator's region."""
    tags: Annotated[dict[TagKey, TagValue], Field(max_length=TAGS_MAX - 1)] = Field(default_factory=dict)
    """Tags kept in sync with SageMaker (the operator's owner tag is added on top)."""
    parallelism: Parallelism | None = None
    """Default parallelism of executions."""
    deletion_policy: Literal["Retain", "Delete"] | None = None
    """Retain leaves the SageMaker pipeline when this resource is deleted; Delete stops its
    executions and deletes it. Unset: the operator's default (Retain unless configured)."""
    adoption_policy: Literal["Never", "Adopt"] = "Never"
    """Adopt takes over an existing SageMaker pipeline of that name that no resource owns."""
    drift_policy: Literal["Correct", "Report"] = "Correct"
    """Correct re-applies Git's state when SageMaker is changed behind our back; Report only
    reports it (condition Drifted)."""
    run_on_change: RunOnChange | None = None
    """Start a run whenever a new definition is applied."""
    version_aliases: list[VersionAlias] = Field(
        default_factory=list,
        max_length=ALIASES_MAX,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    """Aliases kept on SageMaker pipeline versions (e.g. champion, challenger); runs may target them.
    Aliases this Pipeline applied and no longer declares are removed; others are left alone."""

    @model_validator(mode="after")
    def _unique_aliases(self) -> PipelineSpec:
        twice = repeated([alias.name for alias in self.version_aliases])
        if twice:
            raise ValueError(f"versionAliases: each alias may be declared once: {twice}")
        return self

    @model_validator(mode="after")
    def _no_reserved_tags(self) -> PipelineSpec:
        reserved = sorted(k for k in self.tags if k.startswith("aws:") or k == OWNER_TAG_KEY)
        if reserved:
            raise ValueError(
                f"tags: keys starting with 'aws:' and '{OWNER_TAG_KEY}' are reserved: {reserved}"
            )
        return self


class DeclaredParameter(StatusModel):
    """A parameter the applied definition declares."""

    name: str
    """Parameter name."""
    type: str
    """String, Integer, Float or Boolean."""
    default: str | None = None
    """Default value; absent means a run must give a value."""


class LatestRun(StatusModel):
    """The most recent PipelineRun of this pipeline."""

    name: str
    """PipelineRun name."""
    phase: str | None = None
    """Its phase."""


class PipelineStatus(StatusModel):
    """Observed state of the SageMaker pipeline."""

    observed_generation: int | None = None
    """The generation this status was written for."""
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    """Ready, Reconciling, Stalled, Drifted."""
    arn: str | None = None
    """SageMaker pipeline ARN."""
    pipeline_name: str | None = None
    """SageMaker pipeline name."""
    region: str | None = None
    """Region the pipeline lives in."""
    definition_hash: str | None = None
    """sha256 of the canonical applied definition."""
    pipeline_version_id: int | None = None
    """SageMaker's version of the applied definition."""
    parameters: list[DeclaredParameter] = Field(default_factory=list)
    """Parameters the applied definition declares."""
    last_sync_time: Timestamp | None = None
    """Last time the live pipeline was confirmed to match."""
    last_modified_time: Timestamp | None = None
    """SageMaker's LastModifiedTime when last read; drift checks describe only when it moves."""
    applied_hash: str | None = None
    """Hash of the settings last applied; a live difference while the spec still hashes so is drift."""
    drift_count: int = 0
    """How many times drift has been detected."""
    latest_run: LatestRun | None = None
    """The most recent run."""
    run_on_change_hash: str | None = None
    """Definition hash for which a runOnChange run was last created."""
    version_aliases: list[AppliedVersionAlias] = Field(default_factory=list)
    """The declared aliases as applied in SageMaker: which version holds each."""
    lineage: GitLineage | None = None
    """The Git revision that produced the applied version (also in its SageMaker display name and
    description)."""


class Pipeline(ApiModel):
    """A SageMaker pipeline managed from Git."""

    model_config = ConfigDict(extra="ignore")

    api_version: Literal["sagemaker.pipelines.dev/v1alpha1"] = "sagemaker.pipelines.dev/v1alpha1"
    kind: Literal["Pipeline"] = "Pipeline"
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: PipelineSpec
    status: PipelineStatus = Field(default_factory=PipelineStatus)

    @property
    def meta(self) -> ObjectMeta:
        """`metadata`, typed."""
        return ObjectMeta.of(self.metadata)

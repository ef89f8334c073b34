"""Pipeline versions in the API: alias names as botocore's model allows them, a Pipeline's declared
aliases, and how a PipelineRun names the version it runs."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from sagemaker_pipelines_operator.api.common import ApiModel, StatusModel, cel, cel_rules

ALIAS_PATTERN = r"^[a-zA-Z0-9._\-]{1,128}$"  # [PipelineVersionAlias]
ALIASES_MAX = 10
"""PipelineVersionAliasList's max: a version holds at most ten aliases."""
MLFLOW_EXPERIMENT_NAME_MAX = 256  # [MlflowExperimentEntityName]


def _not_digits_only(value: str) -> str:
    if value.isdigit():
        raise ValueError(f"a pipeline version alias can't consist of numbers only: {value!r}")
    return value


VersionAliasName = Annotated[
    str,
    Field(min_length=1, max_length=128, pattern=ALIAS_PATTERN),
    AfterValidator(_not_digits_only),
]
VersionId = Annotated[int, Field(ge=1)]
MlflowExperimentName = Annotated[str, Field(min_length=1, max_length=MLFLOW_EXPERIMENT_NAME_MAX)]

_DIGITS_ONLY_RULE = cel("!self.name.matches('^[0-9]+$')", "an alias can't consist of numbers only", ".name")


class VersionAlias(ApiModel):
    """An alias the Pipeline puts on one of its SageMaker pipeline versions."""

    model_config = cel_rules(_DIGITS_ONLY_RULE)

    name: VersionAliasName
    """Alias, e.g. champion or challenger."""
    version_id: VersionId | None = None
    """The SageMaker pipeline version; unset means the version of the definition applied now."""


class AppliedVersionAlias(StatusModel):
    """An alias as it stands in SageMaker after the last pass."""

    name: str
    """Alias."""
    version_id: int
    """The version holding it."""


class PipelineVersionSelector(ApiModel):
    """The pipeline version a run executes: exactly one of id or alias."""

    model_config = cel_rules(
        cel("has(self.id) != has(self.alias)", "set exactly one of id or alias"),
        cel("!has(self.alias) || !self.alias.matches('^[0-9]+$')", "an alias can't consist of numbers only"),
    )

    id: VersionId | None = None
    """SageMaker pipeline version id."""
    alias: VersionAliasName | None = None
    """A version alias the referenced Pipeline declares (resolved to an id when the run starts)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> PipelineVersionSelector:
        if (self.id is None) == (self.alias is None):
            raise ValueError("set exactly one of id or alias")
        return self


class GitLineage(StatusModel):
    """The Git revision behind an applied definition or a run."""

    revision: str
    """Commit SHA, or the source's form of it (Flux: `<branch>@sha1:<sha>`)."""
    source: str
    """Where it was read: `annotation`, `argocd <namespace>/<app>` or `flux <namespace>/<kustomization>`."""
    repository: str | None = None
    """Repository URL (annotation, Argo CD) or Flux source (`GitRepository/<name>`)."""
    version_id: int | None = None
    """Pipelines: the SageMaker pipeline version this revision first applied (and labelled)."""

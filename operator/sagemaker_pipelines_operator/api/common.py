"""Building blocks shared by every kind: the base model, timestamps, conditions and SageMaker limits.

SageMaker's limits (lengths, patterns) are copied from botocore's service model shapes named
beside each constant; `tests/unit/test_api_limits.py` checks them against botocore so they
cannot drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, PlainSerializer
from pydantic.alias_generators import to_camel


def rfc3339(moment: datetime) -> str:
    """Kubernetes' timestamp form: UTC, seconds precision, `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Timestamp = Annotated[AwareDatetime, PlainSerializer(rfc3339, return_type=str, when_used="json")]
"""A timezone-aware moment, written as RFC 3339 in UTC."""


class ApiModel(BaseModel):
    """Spec-side model: camelCase on the wire, unknown fields rejected so typos are caught."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        use_attribute_docstrings=True,
    )


class StatusModel(BaseModel):
    """Status-side model: camelCase, tolerant of fields written by newer operator versions."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        use_attribute_docstrings=True,
    )


# --- SageMaker limits (botocore shape in brackets) ---------------------------------------------

PIPELINE_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"  # [PipelineName]
PIPELINE_NAME_MAX = 256
EXECUTION_DISPLAY_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$"  # [PipelineExecutionName]
EXECUTION_DISPLAY_NAME_MAX = 82
DESCRIPTION_MAX = 3072  # [PipelineDescription], [PipelineExecutionDescription]
ROLE_ARN_PATTERN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"  # [RoleArn]
ROLE_ARN_MIN, ROLE_ARN_MAX = 20, 2048
TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX = 128, 256, 50  # [TagKey], [TagValue], [TagList]
PARAMETER_NAME_PATTERN = r"^[A-Za-z0-9\-_]*$"  # [PipelineParameterName]
PARAMETER_NAME_MAX = 256
PARAMETER_VALUE_MAX = 1024  # [String1024]
PARAMETERS_MAX = 200  # [ParameterList]
STEP_NAME_PATTERN = r"^[A-Za-z0-9\-_]*$"  # [StepName]
STEP_NAME_MAX = 64
SELECTED_STEPS_MAX = 50  # [SelectedStepList]
EXECUTION_ARN_PATTERN = (  # [PipelineExecutionArn]
    r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:pipeline\/.*\/execution\/.*$"
)
S3_BUCKET_PATTERN = r"^[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9]$"  # [BucketName]
S3_KEY_MAX = 1024  # [Key]
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-\d+$"
K8S_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
K8S_NAME_MAX = 253
CONFIGMAP_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"

PipelineNameStr = Annotated[
    str, Field(min_length=1, max_length=PIPELINE_NAME_MAX, pattern=PIPELINE_NAME_PATTERN)
]
DescriptionStr = Annotated[str, Field(max_length=DESCRIPTION_MAX)]
ObjectName = Annotated[str, Field(min_length=1, max_length=K8S_NAME_MAX, pattern=K8S_NAME_PATTERN)]
ParameterValues = Annotated[
    dict[
        Annotated[str, Field(max_length=PARAMETER_NAME_MAX, pattern=PARAMETER_NAME_PATTERN)],
        Annotated[str, Field(max_length=PARAMETER_VALUE_MAX)],
    ],
    Field(max_length=PARAMETERS_MAX),
]
"""Pipeline parameter values by name; SageMaker passes every value as a string."""


class LocalObjectReference(ApiModel):
    """A reference to an object of a known kind in the same namespace."""

    name: ObjectName
    """Name of the referenced object."""


class Parallelism(ApiModel):
    """SageMaker's ParallelismConfiguration."""

    max_parallel_execution_steps: Annotated[int, Field(ge=1)]
    """Most steps that may run at once in one execution."""


ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(StatusModel):
    """A Kubernetes-standard condition (metav1.Condition)."""

    type: Annotated[str, Field(min_length=1, max_length=316)]
    """Condition type: Ready, Reconciling, Stalled, Succeeded or Drifted."""
    status: ConditionStatus
    """True, False or Unknown."""
    reason: Annotated[str, Field(max_length=1024)] = ""
    """One CamelCase word saying why (documented in api/conditions.py)."""
    message: Annotated[str, Field(max_length=32768)] = ""
    """A human-readable explanation."""
    last_transition_time: Timestamp | None = None
    """When the status last changed."""
    observed_generation: int | None = None
    """The `.metadata.generation` this condition was set for."""


def cel_rules(*rules: dict[str, str]) -> ConfigDict:
    """Model config that adds CEL validation rules (`x-kubernetes-validations`) to the CRD schema."""
    entries: list[JsonValue] = [dict(rule) for rule in rules]
    return ConfigDict(json_schema_extra={"x-kubernetes-validations": entries})


def cel(rule: str, message: str, field_path: str | None = None) -> dict[str, str]:
    """One CEL rule; `field_path` makes the API server name the offending field."""
    entry = {"rule": rule, "message": message}
    if field_path:
        entry["fieldPath"] = field_path
    return entry


def repeated(names: list[str]) -> list[str]:
    """The names that occur more than once, sorted (for "must be unique" messages)."""
    return sorted({name for name in names if names.count(name) > 1})


def find_condition(conditions: list[Condition], type_: str) -> Condition | None:
    """The condition of that type, if present."""
    return next((c for c in conditions if c.type == type_), None)


def dump(model: BaseModel) -> dict[str, Any]:
    """Wire form of a model: camelCase, JSON-compatible, unset optionals left out."""
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data

"""The PipelineTrigger kind: events (SQS messages, Alertmanager alerts, finished runs) become PipelineRuns.

Filters and parameters are JMESPath expressions over the trigger's *event document* (see
docs/triggers.md): they are compiled here, so a manifest with a broken expression is refused by
the model (and by `smpo validate`) instead of failing on the first event.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import ConfigDict, Field, field_validator, model_validator

from sagemaker_pipelines_operator.api.common import (
    PARAMETER_NAME_MAX,
    PARAMETER_NAME_PATTERN,
    PARAMETERS_MAX,
    REGION_PATTERN,
    ApiModel,
    Condition,
    LocalObjectReference,
    ObjectName,
    StatusModel,
    Timestamp,
    cel,
    cel_rules,
    repeated,
)
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRunPhase
from sagemaker_pipelines_operator.api.schedule import VARIANTS_MAX, RunTemplate, VariantName

SQS_QUEUE_URL_PATTERN = r"^https?://[^\s/]+(/[^\s]*)?$"
EXPRESSION_MAX = 1024
SOURCES = ("sqs", "alertmanager", "pipelineRun")

Expression = Annotated[str, Field(min_length=1, max_length=EXPRESSION_MAX)]
"""A JMESPath expression over the event document."""


def compile_expression(value: str) -> str:
    """`value` unchanged if it is a valid JMESPath expression, else ValueError naming the problem."""
    try:
        jmespath.compile(value)
    except JMESPathError as exc:
        raise ValueError(f"not a valid JMESPath expression {value!r}: {exc}") from None
    return value


class SecretKeyReference(ApiModel):
    """A key of a Secret in the trigger's namespace."""

    name: ObjectName
    """Secret name."""
    key: Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[-._a-zA-Z0-9]+$")] = "token"
    """Key in the Secret's data."""


class SqsSource(ApiModel):
    """An SQS queue receiving S3 event notifications, EventBridge events or SNS-wrapped ones."""

    queue_url: Annotated[str, Field(min_length=1, max_length=2048, pattern=SQS_QUEUE_URL_PATTERN)]
    """The queue's URL (`aws sqs get-queue-url`)."""
    region: Annotated[str, Field(pattern=REGION_PATTERN)] | None = None
    """Region of the queue; defaults to the operator's region."""
    wait_time_seconds: Annotated[int, Field(ge=1, le=20)] = 20
    """Long-polling wait of each ReceiveMessage call."""
    max_messages: Annotated[int, Field(ge=1, le=10)] = 10
    """Messages per ReceiveMessage call."""


class AlertmanagerSource(ApiModel):
    """Alertmanager webhooks (payload version 4) posted to the operator's trigger endpoint."""

    token_secret_ref: SecretKeyReference
    """The bearer token Alertmanager sends (`http_config.authorization.credentials`)."""
    match_labels: Annotated[dict[str, str], Field(max_length=64)] = Field(default_factory=dict)
    """Firing alerts whose labels include all of these start a run; resolved alerts never do."""


class RunJoin(ApiModel):
    """Wait for the variants of one scheduled time (a PipelineSchedule with `variants`): one event
    once each named variant's run finished in one of the phases, carrying them all as `runs.<variant>`."""

    variants: Annotated[
        list[VariantName],
        Field(min_length=2, max_length=VARIANTS_MAX, json_schema_extra={"x-kubernetes-list-type": "set"}),
    ]
    """The variants to wait for, e.g. [champion, challenger]."""

    @field_validator("variants")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        twice = repeated(value)
        if twice:
            raise ValueError(f"variants must be unique; repeated: {', '.join(twice)}")
        return value


class PipelineRunSource(ApiModel):
    """Chaining: a run of another Pipeline in this namespace reached one of the given phases."""

    pipeline_ref: LocalObjectReference
    """The upstream Pipeline."""
    phases: Annotated[list[PipelineRunPhase], Field(min_length=1, max_length=8)] = Field(
        default_factory=lambda: [PipelineRunPhase.SUCCEEDED]
    )
    """Final phases of the upstream run that start a run of this trigger."""
    join: RunJoin | None = None
    """Champion/challenger: one event per scheduled time once all the named variants finished."""

    @field_validator("phases")
    @classmethod
    def _final_phases(cls, value: list[PipelineRunPhase]) -> list[PipelineRunPhase]:
        unfinished = [p.value for p in value if not p.finished]
        if unfinished:
            raise ValueError(f"phases must be final phases; not final: {', '.join(unfinished)}")
        return value


class TriggerSource(ApiModel):
    """Where events come from: exactly one of sqs, alertmanager, pipelineRun."""

    model_config = cel_rules(
        cel(
            "[has(self.sqs), has(self.alertmanager), has(self.pipelineRun)].filter(x, x).size() == 1",
            "set exactly one of sqs, alertmanager or pipelineRun",
        )
    )

    sqs: SqsSource | None = None
    """Messages of an SQS queue."""
    alertmanager: AlertmanagerSource | None = None
    """Alertmanager webhooks."""
    pipeline_run: PipelineRunSource | None = None
    """Runs of another Pipeline."""

    @model_validator(mode="after")
    def _exactly_one(self) -> TriggerSource:
        if [self.sqs, self.alertmanager, self.pipeline_run].count(None) != 2:
            raise ValueError("set exactly one of sqs, alertmanager or pipelineRun")
        return self

    @property
    def kind(self) -> str:
        """`sqs`, `alertmanager` or `pipelineRun`."""
        if self.sqs is not None:
            return "sqs"
        return "alertmanager" if self.alertmanager is not None else "pipelineRun"


class S3KeyFilter(ApiModel):
    """Object key filter for S3 object events (S3 notifications and EventBridge "Object Created")."""

    prefix: Annotated[str, Field(max_length=1024)] = ""
    """The key starts with this."""
    suffix: Annotated[str, Field(max_length=1024)] = ""
    """The key ends with this."""


class TriggerFilter(ApiModel):
    """Which events start a run; an event must pass every filter given."""

    s3: S3KeyFilter | None = None
    """Object key prefix/suffix (events without an S3 object do not pass)."""
    expression: Expression | None = None
    """JMESPath over the event document; the event passes when the result is truthy."""

    @field_validator("expression")
    @classmethod
    def _expression_compiles(cls, value: str | None) -> str | None:
        return value if value is None else compile_expression(value)


class Debounce(ApiModel):
    """Events whose time falls into one window of `windowSeconds` start one run (the first event's)."""

    window_seconds: Annotated[int, Field(ge=1, le=86400)]
    """Window length; windows are aligned to the Unix epoch, so a restart keeps them."""


class RateLimit(ApiModel):
    """At most `runsPerHour` runs started in any hour; further events are dropped (counted)."""

    runs_per_hour: Annotated[int, Field(ge=1, le=3600)]
    """Runs per sliding hour."""


ParameterExpressions = Annotated[
    dict[
        Annotated[str, Field(max_length=PARAMETER_NAME_MAX, pattern=PARAMETER_NAME_PATTERN)],
        Expression,
    ],
    Field(max_length=PARAMETERS_MAX),
]


class PipelineTriggerSpec(ApiModel):
    """Which events start which PipelineRun."""

    source: TriggerSource
    """Where events come from."""
    run_template: RunTemplate
    """The run each accepted event creates; `parameters` below override its parameters."""
    filter: TriggerFilter = Field(default_factory=TriggerFilter)
    """Which events start a run."""
    parameters: ParameterExpressions = Field(default_factory=dict)
    """Pipeline parameters taken from the event: name -> JMESPath over the event document. An
    expression with no result leaves the template's value (or the pipeline default)."""
    debounce: Debounce | None = None
    """Collapse bursts of events into one run."""
    rate_limit: RateLimit | None = None
    """Bound the runs started per hour."""
    suspend: bool = False
    """Stop creating runs; events received meanwhile are dropped (counted)."""
    concurrency_policy: Literal["Allow", "Forbid", "Replace"] = "Forbid"
    """Allow overlapping runs, Forbid (drop the event while a run is active) or Replace (cancel
    the active run, then start). Forbid is the default, as for PipelineSchedule."""
    successful_runs_history_limit: Annotated[int, Field(ge=0, le=100)] = 3
    """Finished successful runs to keep."""
    failed_runs_history_limit: Annotated[int, Field(ge=0, le=100)] = 1
    """Finished unsuccessful runs to keep."""

    @field_validator("parameters")
    @classmethod
    def _parameters_compile(cls, value: dict[str, str]) -> dict[str, str]:
        for name, expression in value.items():
            try:
                compile_expression(expression)
            except ValueError as exc:
                raise ValueError(f"parameter {name!r}: {exc}") from None
        return value


class TriggerLastEvent(StatusModel):
    """The last event received."""

    id: str
    """Event id (S3 sequencer/request id, EventBridge id, alert fingerprint, upstream run uid)."""
    time: Timestamp
    """When it was received."""
    outcome: str
    """started, deduplicated, filtered, or dropped:<reason>."""
    detail: str = ""
    """What it was about (an S3 object, an alert name, an upstream run)."""


class TriggerCounts(StatusModel):
    """Events by outcome since the trigger was created."""

    received: int = 0
    """Events received (malformed ones included)."""
    matched: int = 0
    """Events that passed the filters."""
    started: int = 0
    """Runs created."""
    deduplicated: int = 0
    """Events whose run existed already (redelivery, same debounce window, same alert)."""
    filtered: int = 0
    """Events the filters did not pass."""
    dropped: dict[str, int] = Field(default_factory=dict)
    """Events dropped, by reason (Malformed, Suspended, Forbidden, RateLimited, InvalidParameters)."""


class PipelineTriggerStatus(StatusModel):
    """Observed state of the trigger."""

    observed_generation: int | None = None
    """The generation this status was written for."""
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    """Ready, Reconciling, Stalled."""
    source: str | None = None
    """The source kind: sqs, alertmanager or pipelineRun."""
    last_event: TriggerLastEvent | None = None
    """The last event received."""
    counts: TriggerCounts = Field(default_factory=TriggerCounts)
    """Events by outcome."""
    last_run: str | None = None
    """The PipelineRun created last."""
    runs: int = 0
    """Runs created so far."""
    upstream_completion_time: Timestamp | None = None
    """pipelineRun source: the latest upstream completion handled; earlier ones start nothing."""
    upstream_baseline: list[str] | None = None
    """pipelineRun source: UIDs of upstream runs already finished in the trigger's creation second
    when it first looked (they count as before it; other finishes in that second as after it)."""


class PipelineTrigger(ApiModel):
    """Creates PipelineRuns from events."""

    model_config = ConfigDict(extra="ignore")

    api_version: Literal["sagemaker.pipelines.dev/v1alpha1"] = "sagemaker.pipelines.dev/v1alpha1"
    kind: Literal["PipelineTrigger"] = "PipelineTrigger"
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: PipelineTriggerSpec
    status: PipelineTriggerStatus = Field(default_factory=PipelineTriggerStatus)

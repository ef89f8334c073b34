"""The PipelineRun kind: exactly one SageMaker pipeline execution, declared in Git or by a schedule."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from sagemaker_pipelines_operator.api.common import (
    EXECUTION_ARN_PATTERN,
    EXECUTION_DISPLAY_NAME_MAX,
    EXECUTION_DISPLAY_NAME_PATTERN,
    SELECTED_STEPS_MAX,
    STEP_NAME_MAX,
    STEP_NAME_PATTERN,
    ApiModel,
    Condition,
    DescriptionStr,
    LocalObjectReference,
    ObjectName,
    Parallelism,
    ParameterValues,
    PipelineNameStr,
    StatusModel,
    Timestamp,
    cel,
    cel_rules,
)
from sagemaker_pipelines_operator.api.metadata import ObjectMeta
from sagemaker_pipelines_operator.api.versions import (
    GitLineage,
    MlflowExperimentName,
    PipelineVersionSelector,
)

StepName = Annotated[str, Field(min_length=1, max_length=STEP_NAME_MAX, pattern=STEP_NAME_PATTERN)]

# Fields a person may change after creation; everything else in the spec is immutable, because a
# PipelineRun is a record of one execution (like a Job), not a desired state to converge to.
MUTABLE_RUN_FIELDS = ("cancel", "ttlSecondsAfterFinished")


class PipelineRunPhase(StrEnum):
    """Lifecycle of a run; the last five are final."""

    PENDING = "Pending"
    STARTING = "Starting"
    EXECUTING = "Executing"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    FAILED = "Failed"
    SUCCEEDED = "Succeeded"
    COMPLETED_WITH_FAILURES = "CompletedWithFailures"

    @property
    def finished(self) -> bool:
        return self in _FINISHED


_FINISHED = frozenset(
    {
        PipelineRunPhase.STOPPED,
        PipelineRunPhase.FAILED,
        PipelineRunPhase.SUCCEEDED,
        PipelineRunPhase.COMPLETED_WITH_FAILURES,
    }
)


class SelectiveExecution(ApiModel):
    """Re-run only some steps, reusing the outputs of an earlier execution."""

    model_config = cel_rules(
        cel(
            "has(self.fromRun) != has(self.sourceExecutionArn)",
            "set exactly one of fromRun or sourceExecutionArn",
        )
    )

    steps: Annotated[list[StepName], Field(min_length=1, max_length=SELECTED_STEPS_MAX)]
    """Steps to run."""
    from_run: ObjectName | None = None
    """A PipelineRun in this namespace whose execution provides the other steps' outputs."""
    source_execution_arn: Annotated[str, Field(max_length=2048, pattern=EXECUTION_ARN_PATTERN)] | None = None
    """The execution that provides the other steps' outputs."""

    @model_validator(mode="after")
    def _exactly_one_source(self) -> SelectiveExecution:
        if (self.from_run is None) == (self.source_execution_arn is None):
            raise ValueError("set exactly one of fromRun or sourceExecutionArn")
        return self


class RetryPolicy(ApiModel):
    """Retry a failed execution with RetryPipelineExecution (never after a Fail step)."""

    max_attempts: Annotated[int, Field(ge=1, le=20)] = 1
    """Total attempts including the first; 1 means no retry."""
    backoff_seconds: Annotated[int, Field(ge=0, le=86400)] = 60
    """Wait before each retry."""


class PipelineRunSpec(ApiModel):
    """What to execute. Immutable after creation except `cancel` and `ttlSecondsAfterFinished`."""

    model_config = cel_rules(
        cel(
            "has(self.pipelineRef) != has(self.pipelineName)",
            "set exactly one of pipelineRef or pipelineName",
        ),
        cel(
            "!has(self.pipelineVersion) || !has(self.pipelineVersion.alias) || has(self.pipelineRef)",
            "pipelineVersion.alias needs pipelineRef: the alias is resolved from the Pipeline's status",
            ".pipelineVersion",
        ),
    )

    pipeline_ref: LocalObjectReference | None = None
    """A Pipeline in this namespace; the run waits until it is Ready."""
    pipeline_name: PipelineNameStr | None = None
    """An existing SageMaker pipeline not managed here (only where the operator allows it)."""
    pipeline_version: PipelineVersionSelector | None = None
    """The pipeline version to run, by id or alias; unset runs the version the Pipeline applied."""
    parameters: ParameterValues = Field(default_factory=dict)
    """Parameter values, checked against the pipeline's declared parameters before starting."""
    mlflow_experiment_name: MlflowExperimentName | None = None
    """MLflow experiment (SageMaker managed MLflow) the execution records to."""
    display_name: (
        Annotated[
            str,
            Field(
                min_length=1, max_length=EXECUTION_DISPLAY_NAME_MAX, pattern=EXECUTION_DISPLAY_NAME_PATTERN
            ),
        ]
        | None
    ) = None
    """Execution display name."""
    description: DescriptionStr | None = None
    """Execution description."""
    parallelism: Parallelism | None = None
    """Parallelism for this execution."""
    selective_execution: SelectiveExecution | None = None
    """Run only some steps of an earlier execution."""
    retry: RetryPolicy | None = None
    """Retry on failure."""
    timeout_seconds: Annotated[int, Field(ge=1)] | None = None
    """Stop the execution when it runs longer than this."""
    cancel: bool = False
    """Set to true to stop the execution (a GitOps-friendly alternative to deleting)."""
    stop_on_delete: bool = True
    """Stop an active execution when this resource is deleted."""
    ttl_seconds_after_finished: Annotated[int, Field(ge=0)] | None = None
    """Delete this resource that long after the run finished."""

    @model_validator(mode="after")
    def _exactly_one_pipeline(self) -> PipelineRunSpec:
        if (self.pipeline_ref is None) == (self.pipeline_name is None):
            raise ValueError("set exactly one of pipelineRef or pipelineName")
        if self.pipeline_version and self.pipeline_version.alias and self.pipeline_ref is None:
            raise ValueError(
                "pipelineVersion.alias needs pipelineRef: the alias is resolved from the Pipeline's status"
            )
        return self


STEP_OUTPUTS_MAX = 50
"""botocore's OutputParameterList holds at most 50 (names up to 256, values up to 1,024 characters)."""

StepStatusValue = Literal["Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded"]


class FailedIteration(StatusModel):
    """One failed child step of a ForEach step."""

    name: str
    """Child step name, `<body step>-<index>`."""
    index: int | None = None
    """Iteration index."""
    item: str | None = None
    """The iteration's item (shortened to 64 characters)."""
    failure_reason: str | None = None
    """Why the child step failed."""


class ForEachProgress(StatusModel):
    """A ForEach step's fan-out, folded: counts over its iterations instead of one entry each."""

    items: int = 0
    """Items the ForEach iterates over."""
    total_steps: int = 0
    """Child steps across all iterations (items x body steps)."""
    succeeded_steps: int = 0
    """Child steps that succeeded."""
    running_steps: int = 0
    """Child steps starting or executing."""
    failed_steps: int = 0
    """Child steps that failed."""
    stopped_steps: int = 0
    """Child steps that were stopped."""
    selected: str | None = None
    """The child step the Selector picked, e.g. Score-3."""
    failed_iterations: list[FailedIteration] = Field(default_factory=list, max_length=5)
    """The first failed child steps (at most 5)."""


class RunStep(StatusModel):
    """One step of the execution, as SageMaker reports it (ForEach iterations folded into their step)."""

    name: str
    """Step name."""
    type: str | None = None
    """Step type (Training, Processing, Condition, ...)."""
    status: str
    """Starting, Executing, Stopping, Stopped, Failed or Succeeded."""
    start_time: Timestamp | None = None
    """When the step started."""
    end_time: Timestamp | None = None
    """When the step ended."""
    attempt: int | None = None
    """Attempt count of the step."""
    failure_reason: str | None = None
    """Why the step failed."""
    job_arn: str | None = None
    """ARN of the job the step ran (training, processing, ...)."""
    condition_outcome: str | None = None
    """Condition steps: True or False."""
    for_each: ForEachProgress | None = None
    """ForEach steps: the fan-out's counts."""
    outputs: Annotated[dict[str, str], Field(max_length=STEP_OUTPUTS_MAX)] = Field(default_factory=dict)
    """Lambda and Callback steps: the output parameters SageMaker reports (a trigger's parameter
    expressions can read them, e.g. a model's evaluation metric)."""


class PipelineRunStatus(StatusModel):
    """Observed state of the execution."""

    observed_generation: int | None = None
    """The generation this status was written for."""
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    """Ready, Reconciling, Stalled, Succeeded."""
    phase: PipelineRunPhase | None = None
    """Pending, Starting, Executing, Stopping, Stopped, Failed, Succeeded, CompletedWithFailures."""
    pipeline_name: str | None = None
    """SageMaker pipeline name the run executes."""
    region: str | None = None
    """Region of the execution."""
    execution_arn: str | None = None
    """SageMaker execution ARN."""
    pipeline_version_id: int | None = None
    """Pipeline version the execution runs."""
    pipeline_version_alias: str | None = None
    """The alias spec.pipelineVersion named, as it stood when the run started."""
    lineage: GitLineage | None = None
    """The Git revision this run came from (also in the execution's description)."""
    version_lineage: GitLineage | None = None
    """The Git revision that produced the pipeline version the run executes, when the Pipeline knows it."""
    definition_hash: str | None = None
    """Hash of the definition the execution runs."""
    start_time: Timestamp | None = None
    """When the execution started."""
    completion_time: Timestamp | None = None
    """When it finished."""
    duration: str | None = None
    """Running or total time, e.g. 4m12s."""
    attempts: int = 0
    """Attempts so far (1 + retries)."""
    failure_reason: str | None = None
    """Why it failed, naming the failing step."""
    stop_reason: str | None = None
    """Why the operator stopped it: Cancelled, Timeout or Deleted."""
    steps: list[RunStep] = Field(default_factory=list)
    """Steps in start order."""
    step_summary: str | None = None
    """Succeeded steps / steps known, e.g. 4/7."""
    last_poll_time: Timestamp | None = None
    """When a poll of SageMaker last changed this status (unchanged polls write nothing)."""
    retry_after: Timestamp | None = None
    """When the next retry may start."""


class PipelineRun(ApiModel):
    """One SageMaker pipeline execution."""

    model_config = ConfigDict(extra="ignore")

    api_version: Literal["sagemaker.pipelines.dev/v1alpha1"] = "sagemaker.pipelines.dev/v1alpha1"
    kind: Literal["PipelineRun"] = "PipelineRun"
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: PipelineRunSpec
    status: PipelineRunStatus = Field(default_factory=PipelineRunStatus)

    @property
    def meta(self) -> ObjectMeta:
        """`metadata`, typed."""
        return ObjectMeta.of(self.metadata)


def immutable_run_rules() -> tuple[dict[str, str], ...]:
    """CEL transition rules for the PipelineRun object: every spec field but MUTABLE_RUN_FIELDS.

    They sit on the PipelineRun root rather than on PipelineRunSpec, because the same spec type
    is also a PipelineSchedule's run template, which must stay editable.
    """
    fields = [f.alias or name for name, f in PipelineRunSpec.model_fields.items()]
    return tuple(
        cel(
            f"has(self.spec.{field}) == has(oldSelf.spec.{field})"
            f" && (!has(self.spec.{field}) || self.spec.{field} == oldSelf.spec.{field})",
            f"{field} is immutable: a PipelineRun records one execution; create a new PipelineRun",
            f".spec.{field}",
        )
        for field in fields
        if field not in MUTABLE_RUN_FIELDS
    )

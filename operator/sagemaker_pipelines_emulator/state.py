"""What the emulator remembers: pipelines with versions and tags, executions with their step runs,
callback tokens and idempotency records, kept per region as SageMaker does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sagemaker_pipelines_emulator.plan import ExecutionPlan

if TYPE_CHECKING:
    from sagemaker_pipelines_emulator.fanout import FanOut

ACTIVE = frozenset({"Executing", "Stopping"})
TERMINAL = frozenset({"Succeeded", "Failed", "Stopped", "CompletedWithFailures"})
RUNNING_STEP = frozenset({"Starting", "Executing", "Stopping"})


def pipeline_arn(region: str, account: str, name: str) -> str:
    # SageMaker lower-cases resource names in ARNs; lookups by name are case-insensitive.
    return f"arn:aws:sagemaker:{region}:{account}:pipeline/{name.lower()}"


@dataclass
class PipelineVersion:
    version_id: int
    definition_text: str
    plan: ExecutionPlan
    created: float
    display_name: str | None = None
    description: str | None = None
    aliases: list[str] = field(default_factory=list)
    last_execution_arn: str | None = None


@dataclass
class Pipeline:
    name: str
    arn: str
    role_arn: str
    created: float
    modified: float
    display_name: str | None = None
    description: str | None = None
    parallelism: int | None = None
    last_run: float | None = None
    tags: dict[str, str] = field(default_factory=dict)
    versions: list[PipelineVersion] = field(default_factory=list)
    executions: dict[str, Execution] = field(default_factory=dict)

    @property
    def latest(self) -> PipelineVersion:
        return self.versions[-1]

    def version(self, version_id: int) -> PipelineVersion | None:
        return self.versions[version_id - 1] if 0 < version_id <= len(self.versions) else None


@dataclass
class StepRun:
    """One step as ListPipelineExecutionSteps shows it."""

    name: str
    type: str
    start: float
    status: str = "Starting"
    end: float | None = None
    attempt: int = 1
    failure_reason: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    # PropertyFileName -> the JSON document, when an outcome rule gives one (read by Std:JsonGet).
    property_files: dict[str, Any] = field(default_factory=dict)
    callback_token: str | None = None
    reused_from: str | None = None
    # Caching (caching.py): the resolved-arguments key, and the execution a cache hit came from.
    cache_key: str | None = None
    cache_source: str | None = None
    # Bumped whenever a scheduled transition must no longer apply (stop, retry, callback).
    generation: int = 0
    # A ForEach step's children; a child's body step name and IterationContext.
    fan_out: FanOut | None = None
    template: str | None = None
    iteration: dict[str, Any] | None = None


@dataclass
class Execution:
    arn: str
    execution_id: str
    pipeline: Pipeline
    version: PipelineVersion
    created: float
    modified: float
    parameters: dict[str, str]
    status: str = "Executing"
    display_name: str | None = None
    description: str | None = None
    failure_reason: str | None = None
    parallelism: int | None = None
    selective: dict[str, Any] | None = None
    mlflow_experiment: str | None = None
    # pending | running | succeeded | failed | stopped | skipped | blocked, for every step of the plan
    progress: dict[str, str] = field(default_factory=dict)
    runs: dict[str, StepRun] = field(default_factory=dict)
    failed_by_fail_step: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def plan(self) -> ExecutionPlan:
        return self.version.plan

    def running_count(self) -> int:
        return sum(1 for state in self.progress.values() if state == "running")


@dataclass
class IdempotencyRecord:
    fingerprint: str
    response: dict[str, Any]


@dataclass
class RegionState:
    region: str
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    executions: dict[str, Execution] = field(default_factory=dict)
    callbacks: dict[str, tuple[Execution, str]] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)

    def pipeline(self, name_or_arn: str) -> Pipeline | None:
        name = name_or_arn.rsplit(":pipeline/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn
        pipeline = self.pipelines.get(name.lower())
        if pipeline is not None and name_or_arn.startswith("arn:") and pipeline.arn != name_or_arn.lower():
            return None
        return pipeline

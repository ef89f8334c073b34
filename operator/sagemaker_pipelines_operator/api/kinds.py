"""The kinds as the API server sees them: names, short names and printer columns."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api.common import PIPELINE_NAME_PATTERN, cel
from sagemaker_pipelines_operator.api.pipeline import PipelineSpec, PipelineStatus
from sagemaker_pipelines_operator.api.pipelinerun import (
    PipelineRunSpec,
    PipelineRunStatus,
    immutable_run_rules,
)
from sagemaker_pipelines_operator.api.schedule import PipelineScheduleSpec, PipelineScheduleStatus
from sagemaker_pipelines_operator.api.trigger import PipelineTriggerSpec, PipelineTriggerStatus

CATEGORY = "sagemaker"


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    json_path: str
    type: str = "string"
    priority: int = 0
    description: str = ""


@dataclass(frozen=True)
class Kind:
    kind: str
    plural: str
    short_names: tuple[str, ...]
    spec: type[BaseModel]
    status: type[BaseModel]
    columns: tuple[PrinterColumn, ...]
    root_rules: tuple[dict[str, str], ...] = ()

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{GROUP}"

    @property
    def api_version(self) -> str:
        return f"{GROUP}/{VERSION}"


READY_COLUMN = PrinterColumn("Ready", '.status.conditions[?(@.type=="Ready")].status')
STATUS_COLUMN = PrinterColumn(
    "Status", '.status.conditions[?(@.type=="Ready")].message', priority=1, description="Ready message"
)
AGE_COLUMN = PrinterColumn("Age", ".metadata.creationTimestamp", type="date")

PIPELINE = Kind(
    kind="Pipeline",
    plural="pipelines",
    short_names=("smp",),
    spec=PipelineSpec,
    status=PipelineStatus,
    columns=(
        PrinterColumn("SageMaker Name", ".status.pipelineName"),
        PrinterColumn("Version", ".status.pipelineVersionId", type="integer"),
        PrinterColumn("Last Run", ".status.latestRun.phase", description="Phase of the latest run"),
        READY_COLUMN,
        STATUS_COLUMN,
        AGE_COLUMN,
    ),
    root_rules=(
        cel(
            f"has(self.spec.pipelineName) || self.metadata.name.matches('{PIPELINE_NAME_PATTERN}')",
            "metadata.name is not a valid SageMaker pipeline name (letters, digits and hyphens, "
            "at most 256); set spec.pipelineName",
        ),
    ),
)

PIPELINE_RUN = Kind(
    kind="PipelineRun",
    plural="pipelineruns",
    short_names=("smpr",),
    spec=PipelineRunSpec,
    status=PipelineRunStatus,
    columns=(
        PrinterColumn("Pipeline", ".status.pipelineName"),
        PrinterColumn("Phase", ".status.phase"),
        PrinterColumn("Steps", ".status.stepSummary"),
        PrinterColumn("Started", ".status.startTime", type="date"),
        PrinterColumn("Duration", ".status.duration"),
        READY_COLUMN,
        STATUS_COLUMN,
        AGE_COLUMN,
    ),
    root_rules=immutable_run_rules(),
)

PIPELINE_SCHEDULE = Kind(
    kind="PipelineSchedule",
    plural="pipelineschedules",
    short_names=("smps",),
    spec=PipelineScheduleSpec,
    status=PipelineScheduleStatus,
    columns=(
        PrinterColumn("Schedule", ".spec.schedule"),
        PrinterColumn("Suspend", ".spec.suspend", type="boolean"),
        PrinterColumn("Last Schedule", ".status.lastScheduleTime", type="date"),
        PrinterColumn("Next", ".status.nextScheduleTime", priority=1),
        READY_COLUMN,
        STATUS_COLUMN,
        AGE_COLUMN,
    ),
)

PIPELINE_TRIGGER = Kind(
    kind="PipelineTrigger",
    plural="pipelinetriggers",
    short_names=("smpt",),
    spec=PipelineTriggerSpec,
    status=PipelineTriggerStatus,
    columns=(
        READY_COLUMN,
        PrinterColumn("Source", ".status.source"),
        PrinterColumn("Last Event", ".status.lastEvent.time", type="date"),
        PrinterColumn("Runs", ".status.runs", type="integer"),
        STATUS_COLUMN,
        AGE_COLUMN,
    ),
)

KINDS: tuple[Kind, ...] = (PIPELINE, PIPELINE_RUN, PIPELINE_SCHEDULE, PIPELINE_TRIGGER)

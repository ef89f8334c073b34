"""The API: pydantic models of the four kinds (Pipeline, PipelineRun, PipelineSchedule,
PipelineTrigger) and their conditions.

These models are the single source of truth: the CRDs in `crds/`, the API reference and the
chart's CRDs are generated from them (`smpo crds`), and the operator and `smpo validate` parse
manifests with them.
"""

from sagemaker_pipelines_operator.api.common import Condition, LocalObjectReference
from sagemaker_pipelines_operator.api.pipeline import Pipeline, PipelineSpec, PipelineStatus
from sagemaker_pipelines_operator.api.pipelinerun import (
    PipelineRun,
    PipelineRunPhase,
    PipelineRunSpec,
    PipelineRunStatus,
)
from sagemaker_pipelines_operator.api.schedule import (
    PipelineSchedule,
    PipelineScheduleSpec,
    PipelineScheduleStatus,
)
from sagemaker_pipelines_operator.api.trigger import (
    PipelineTrigger,
    PipelineTriggerSpec,
    PipelineTriggerStatus,
)

__all__ = [
    "Condition",
    "LocalObjectReference",
    "Pipeline",
    "PipelineRun",
    "PipelineRunPhase",
    "PipelineRunSpec",
    "PipelineRunStatus",
    "PipelineSchedule",
    "PipelineScheduleSpec",
    "PipelineScheduleStatus",
    "PipelineSpec",
    "PipelineStatus",
    "PipelineTrigger",
    "PipelineTriggerSpec",
    "PipelineTriggerStatus",
]

"""What the Pipeline reconciler is given (its settings, the sources it reads) and what a pass
returns; shared by `pipelines/reconciler` and `pipelines/deleter`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.reconcile.lineage import Lineage
from sagemaker_pipelines_operator.reconcile.verdict import Requeue, Verdict

KIND = "Pipeline"
PLURAL = "pipelines"


class PipelineSources(Protocol):
    """What a Pipeline pass reads besides its own object and SageMaker's pipeline."""

    def definition(self, pipeline: Pipeline, region: str, role: str | None, attempt: int) -> dict[str, Any]:
        """The parsed, validated definition; Waiting when its source is missing, Stalled when invalid."""

    def source_moved(
        self, pipeline: Pipeline, region: str, role: str | None, applied_hash: str | None
    ) -> bool:
        """An unpinned S3 source now holds another definition than the applied one."""

    def lineage(self, metadata: Mapping[str, Any]) -> Lineage | None:
        """The Git revision behind the object (its CI annotation, or the GitOps object applying it)."""


@dataclass(frozen=True)
class PipelineSettings:
    cluster_id: str
    default_deletion_policy: str
    deletion_poll_seconds: float
    """How soon a deletion waiting for executions to stop looks again."""
    region_of: Callable[[str | None], str]
    """spec.region → the region used (the operator's default when unset)."""


@dataclass(frozen=True)
class PipelineResult:
    """How a pass ended, and the one answer to "when next" (None: only on the next change; for a
    deletion, the finalizer may go)."""

    verdict: Verdict
    requeue: Requeue | None

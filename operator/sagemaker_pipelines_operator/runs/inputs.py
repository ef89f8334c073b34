"""What a run reads from Kubernetes before it starts: the Pipeline it references (its target),
for selective execution the source run's execution ARN, and its Git lineage. Reads only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunPhase
from sagemaker_pipelines_operator.api.versions import GitLineage
from sagemaker_pipelines_operator.errors import Waiting
from sagemaker_pipelines_operator.runs.plan.start import RunTarget, resolve_target, source_run_arn
from sagemaker_pipelines_operator.runtime.kube import KubeObjects


def _no_lineage(_: Mapping[str, Any]) -> GitLineage | None:
    return None


class RunInputs:
    def __init__(
        self,
        kube: KubeObjects,
        *,
        allow_unmanaged: bool,
        default_region: str,
        lineage: Callable[[Mapping[str, Any]], GitLineage | None] = _no_lineage,
    ) -> None:
        self.kube = kube
        self.allow_unmanaged = allow_unmanaged
        self.default_region = default_region
        self.lineage = lineage
        """The Git revision behind a run's metadata (runtime/lineage), for its execution's description."""

    def target(self, run: PipelineRun) -> RunTarget:
        """The pipeline to start; Waiting or Stalled (errors.py) when there is none yet."""
        status = run.status
        if status.phase == PipelineRunPhase.STARTING and status.pipeline_name and status.region:
            # Resuming: everything the request needs is in the status; the Pipeline may have
            # changed or gone meanwhile, and must not change what is replayed.
            return RunTarget(
                status.pipeline_name, status.region, source_execution_arn=self.source_arn(run, lenient=True)
            )
        return resolve_target(
            run,
            self._pipeline(run),
            allow_unmanaged=self.allow_unmanaged,
            default_region=self.default_region,
            source_execution_arn=self.source_arn(run, lenient=False),
            lineage=self.lineage(run.metadata),
        )

    def source_arn(self, run: PipelineRun, *, lenient: bool) -> str | None:
        """selectiveExecution.fromRun's execution ARN; Waiting until it has one, unless `lenient`."""
        selective = run.spec.selective_execution
        if selective is None or selective.from_run is None:
            return None
        body = self.kube.get("pipelineruns", run.meta.namespace, selective.from_run)
        source = PipelineRun.model_validate(body) if body is not None else None
        if lenient:
            return source.status.execution_arn if source is not None else None
        return source_run_arn(selective.from_run, source)

    def _pipeline(self, run: PipelineRun) -> Pipeline | None:
        if run.spec.pipeline_ref is None:
            return None
        name = run.spec.pipeline_ref.name
        body = self.kube.get("pipelines", run.meta.namespace, name)
        if body is None:
            return None
        try:
            return Pipeline.model_validate(body)
        except ValidationError:
            raise Waiting(
                c.WAITING_FOR_PIPELINE, f"Pipeline '{name}' has a spec this operator cannot read"
            ) from None

"""What a PipelineRun may start, and the exact StartPipelineExecution request it sends.

The request is a pure function of the run's immutable spec and the status written in `Starting`,
so a resumed start sends the very same request with the same ClientRequestToken and SageMaker
replays the first answer instead of starting a second execution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import EXECUTION_DISPLAY_NAME_PATTERN, find_condition
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunSpec, PipelineRunStatus
from sagemaker_pipelines_operator.api.versions import GitLineage
from sagemaker_pipelines_operator.definition.parameters import DeclaredParameter, check_run_parameters
from sagemaker_pipelines_operator.errors import Stalled, Waiting
from sagemaker_pipelines_operator.reconcile.lineage import execution_description

WAIT_FOR_PIPELINE_SECONDS = 10.0
"""How often a run re-checks a Pipeline that is missing or not Ready (its own events also wake it)."""


@dataclass(frozen=True)
class RunTarget:
    """The SageMaker pipeline a run executes, as resolved when it is about to start."""

    pipeline_name: str
    region: str
    declared: tuple[DeclaredParameter, ...] | None = None
    """Declared parameters; None for unmanaged pipelines (SageMaker checks them)."""
    version_id: int | None = None
    """The version to start: spec.pipelineVersion's, else the Pipeline's applied one (pinned, so the
    run executes what was Ready)."""
    version_alias: str | None = None
    """spec.pipelineVersion.alias, resolved to `version_id` from the Pipeline's status."""
    definition_hash: str | None = None
    lineage: GitLineage | None = None
    """The Git revision the run came from."""
    version_lineage: GitLineage | None = None
    """The Git revision that produced `version_id`, when the Pipeline recorded it."""
    source_execution_arn: str | None = None
    """Selective execution: the execution whose outputs the unselected steps reuse."""
    pipeline_label: str | None = None
    """The `pipeline` label of run metrics: the Pipeline resource name, else the SageMaker name."""


def start_token(uid: str) -> str:
    """ClientRequestToken of the first start (SageMaker wants 32-128 characters)."""
    return f"start-{uid}"


def retry_token(uid: str, attempt: int) -> str:
    return f"retry-{uid}-{attempt}"


def stop_token(uid: str) -> str:
    return f"stop-{uid}"


def resolve_target(
    run: PipelineRun,
    pipeline: Pipeline | None,
    *,
    allow_unmanaged: bool,
    default_region: str,
    source_execution_arn: str | None = None,
    lineage: GitLineage | None = None,
) -> RunTarget:
    """The pipeline to start, or Waiting (Pipeline missing or not Ready yet) or Stalled."""
    spec = run.spec
    source = source_execution_arn or (
        spec.selective_execution.source_execution_arn if spec.selective_execution else None
    )
    if spec.pipeline_name is None:
        return _managed_target(run, pipeline, default_region, source, lineage)
    if not allow_unmanaged:
        raise Stalled(
            c.UNMANAGED_PIPELINE_NOT_ALLOWED,
            f"spec.pipelineName '{spec.pipeline_name}' names a pipeline no Pipeline resource manages, "
            "and this operator does not allow unmanaged pipelines (--allow-unmanaged-pipelines)",
        )
    return RunTarget(
        pipeline_name=spec.pipeline_name,
        region=default_region,
        version_id=spec.pipeline_version.id if spec.pipeline_version else None,
        lineage=lineage,
        source_execution_arn=source,
        pipeline_label=spec.pipeline_name,
    )


def _managed_target(
    run: PipelineRun,
    pipeline: Pipeline | None,
    default_region: str,
    source: str | None,
    lineage: GitLineage | None,
) -> RunTarget:
    """The target of a run by pipelineRef: the Ready Pipeline's SageMaker pipeline and version."""
    spec = run.spec
    assert spec.pipeline_ref is not None  # the spec validator guarantees exactly one
    ref = spec.pipeline_ref.name
    if pipeline is None or pipeline.metadata.get("deletionTimestamp"):
        raise Waiting(
            c.PIPELINE_NOT_FOUND,
            f"Pipeline '{ref}' does not exist in this namespace"
            + (" (it is being deleted)" if pipeline is not None else ""),
            delay=WAIT_FOR_PIPELINE_SECONDS,
        )
    problem = _not_ready(pipeline)
    if problem:
        raise Waiting(
            c.WAITING_FOR_PIPELINE,
            f"waiting for Pipeline '{ref}' to be Ready: {problem}",
            WAIT_FOR_PIPELINE_SECONDS,
        )
    status = pipeline.status
    assert status.pipeline_name is not None  # _not_ready checks it
    version_id = pinned_version_id(run, pipeline)
    applied = version_id == status.pipeline_version_id
    # The status describes the applied version only; SageMaker checks another version's parameters.
    declared = tuple(
        DeclaredParameter(p.name, p.type, p.default, required=p.default is None) for p in status.parameters
    )
    return RunTarget(
        pipeline_name=status.pipeline_name,
        region=status.region or pipeline.spec.region or default_region,
        declared=declared if applied else None,
        version_id=version_id,
        version_alias=spec.pipeline_version.alias if spec.pipeline_version else None,
        definition_hash=status.definition_hash if applied else None,
        lineage=lineage,
        version_lineage=status.lineage
        if status.lineage is not None and status.lineage.version_id == version_id
        else None,
        source_execution_arn=source,
        pipeline_label=ref,
    )


def pinned_version_id(run: PipelineRun, pipeline: Pipeline) -> int | None:
    """The version id a run of a Ready `pipeline` starts: its pin by id, its alias as the Pipeline
    applied it, else the applied version. An alias not applied (yet) is Waiting: a commit that
    declares an alias and a run using it arrives together."""
    selector = run.spec.pipeline_version
    if selector is None:
        return pipeline.status.pipeline_version_id
    if selector.id is not None:
        return selector.id
    held = {alias.name: alias.version_id for alias in pipeline.status.version_aliases}
    if selector.alias not in held:
        declared = [alias.name for alias in pipeline.status.version_aliases]
        raise Waiting(
            c.WAITING_FOR_PIPELINE,
            f"Pipeline '{pipeline.metadata.get('name')}' has no version alias '{selector.alias}' applied"
            f" (applied: {', '.join(declared) or 'none'}); declare it in spec.versionAliases",
            WAIT_FOR_PIPELINE_SECONDS,
        )
    return held[selector.alias]


def _not_ready(pipeline: Pipeline) -> str | None:
    """Why the Pipeline cannot be started now; None when it is Ready for its current generation.
    The generation check matters in GitOps: a commit that adds a parameter to the Pipeline and a
    run using it arrives together, and the run must not read the previous definition's status."""
    ready = find_condition(pipeline.status.conditions, c.READY)
    if ready is None or ready.status != "True":
        return ready.message or ready.reason if ready else "it has no status yet"
    generation = pipeline.metadata.get("generation")
    if generation is not None and ready.observed_generation not in (None, generation):
        return f"generation {generation} is not applied yet"
    if not pipeline.status.pipeline_name:
        return "its status names no SageMaker pipeline yet"
    return None


def parameter_problems(target: RunTarget, spec: PipelineRunSpec) -> list[str]:
    """What StartPipelineExecution would refuse about the parameters; empty for unmanaged pipelines."""
    if target.declared is None:
        return []
    return check_run_parameters(list(target.declared), spec.parameters)


def display_name(run: PipelineRun) -> str | None:
    """The execution's display name: spec.displayName, else the run's name when SageMaker allows it,
    so the SageMaker console shows which PipelineRun started each execution."""
    if run.spec.display_name:
        return run.spec.display_name
    name = str(run.metadata.get("name", ""))
    return name if re.fullmatch(EXECUTION_DISPLAY_NAME_PATTERN, name) else None


def start_request(
    run: PipelineRun, status: PipelineRunStatus, source_execution_arn: str | None
) -> dict[str, Any]:
    """StartPipelineExecution parameters, from the immutable spec and the `Starting` status only."""
    spec = run.spec
    if not status.pipeline_name:
        raise ValueError("the Starting status must name the pipeline before the request is built")
    request: dict[str, Any] = {
        "PipelineName": status.pipeline_name,
        "ClientRequestToken": start_token(str(run.metadata["uid"])),
        # Sorted: the API server may reorder map keys, and a replay must match byte for byte.
        "PipelineParameters": [{"Name": k, "Value": v} for k, v in sorted(spec.parameters.items())],
    }
    name = display_name(run)
    if name:
        request["PipelineExecutionDisplayName"] = name
    description = execution_description(
        spec.description, str(run.metadata.get("name")), status.lineage, status.version_lineage
    )
    if description:
        request["PipelineExecutionDescription"] = description
    if spec.parallelism:
        request["ParallelismConfiguration"] = {
            "MaxParallelExecutionSteps": spec.parallelism.max_parallel_execution_steps
        }
    if status.pipeline_version_id is not None:
        request["PipelineVersionId"] = status.pipeline_version_id
    if spec.mlflow_experiment_name:
        request["MlflowExperimentName"] = spec.mlflow_experiment_name
    if spec.selective_execution:
        if not source_execution_arn:
            raise ValueError("selective execution needs the source execution ARN")
        request["SelectiveExecutionConfig"] = {
            "SourcePipelineExecutionArn": source_execution_arn,
            "SelectedSteps": [{"StepName": s} for s in spec.selective_execution.steps],
        }
    return request


def source_run_arn(run_name: str, source: PipelineRun | None) -> str:
    """The execution ARN of `fromRun`, or Waiting until that run has started."""
    if source is None:
        raise Waiting(
            c.WAITING_FOR_SOURCE_RUN,
            f"selectiveExecution.fromRun: PipelineRun '{run_name}' does not exist in this namespace",
            WAIT_FOR_PIPELINE_SECONDS,
        )
    if not source.status.execution_arn:
        raise Waiting(
            c.WAITING_FOR_SOURCE_RUN,
            f"selectiveExecution.fromRun: PipelineRun '{run_name}' has not started an execution yet",
            WAIT_FOR_PIPELINE_SECONDS,
        )
    return source.status.execution_arn

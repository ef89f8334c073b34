"""Execution operations: Start/Describe/List/Stop/Retry/UpdatePipelineExecution and the
execution's definition and parameters."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_emulator import errors
from sagemaker_pipelines_emulator.evaluation import EvaluationError, Evaluator
from sagemaker_pipelines_emulator.ids import random_id
from sagemaker_pipelines_emulator.operations.common import (
    compact,
    find_execution,
    find_pipeline,
    remember,
    replayed,
    within,
)
from sagemaker_pipelines_emulator.operations.versions import aliased_version, selected_version
from sagemaker_pipelines_emulator.pagination import page
from sagemaker_pipelines_emulator.selective import plan_selection
from sagemaker_pipelines_emulator.service import Context
from sagemaker_pipelines_emulator.state import Execution, StepRun
from sagemaker_pipelines_operator.definition.parameters import check_run_parameters, resolved_parameters

DEFAULT_PAGE = 10


def _check_capacity(ctx: Context) -> None:
    limit = ctx.emulator.config.max_concurrent_executions
    active = ctx.engine.active
    if limit is not None and active >= limit:
        raise errors.limit_exceeded(
            "The account-level service limit 'Maximum number of concurrent pipeline executions' is "
            f"{limit} Executions, with current utilization of {active} Executions and a request delta of "
            "1 Executions. Please use AWS Service Quotas to request an increase for this quota."
        )


def _given_parameters(params: dict[str, Any]) -> dict[str, str]:
    given: dict[str, str] = {}
    for item in params.get("PipelineParameters") or []:
        if item["Name"] in given:
            raise errors.validation(f"Parameter '{item['Name']}' is given more than once.")
        given[item["Name"]] = item["Value"]
    return given


def start_pipeline_execution(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    previous = replayed(ctx, "StartPipelineExecution", params)
    if previous is not None:
        return previous
    pipeline = find_pipeline(ctx, params["PipelineName"])
    version = selected_version(pipeline, params)
    given = _given_parameters(params)
    problems = check_run_parameters(list(version.plan.declared), given)
    if problems:
        raise errors.validation(f"Invalid pipeline parameters: {'; '.join(problems)}")
    _check_capacity(ctx)
    selective: dict[str, Any] | None = None
    reused: dict[str, StepRun] = {}
    if params.get("SelectiveExecutionConfig"):
        selective, reused = plan_selection(pipeline, version, params["SelectiveExecutionConfig"])
    execution_id = random_id(12)
    parallelism = params.get("ParallelismConfiguration")
    execution = Execution(
        arn=f"{pipeline.arn}/execution/{execution_id}",
        execution_id=execution_id,
        pipeline=pipeline,
        version=version,
        created=ctx.now,
        modified=ctx.now,
        parameters=resolved_parameters(list(version.plan.declared), given),
        display_name=params.get("PipelineExecutionDisplayName") or f"execution-{int(ctx.now * 1000)}",
        description=params.get("PipelineExecutionDescription"),
        parallelism=parallelism["MaxParallelExecutionSteps"] if parallelism else pipeline.parallelism,
        selective=selective,
        mlflow_experiment=params.get("MlflowExperimentName"),
    )
    pipeline.executions[execution.arn] = execution
    ctx.state.executions[execution.arn] = execution
    pipeline.last_run = ctx.now
    version.last_execution_arn = execution.arn
    ctx.emulator.executions_started += 1
    ctx.engine.start(execution, reused)
    return remember(ctx, "StartPipelineExecution", params, {"PipelineExecutionArn": execution.arn})


def _experiment_config(execution: Execution) -> dict[str, str] | None:
    config = execution.plan.definition.get("PipelineExperimentConfig")
    if not isinstance(config, dict):
        return None
    evaluator = Evaluator(execution, execution.created)
    try:
        values = {
            key: evaluator.text(evaluator.value(config[key])) for key in ("ExperimentName", "TrialName")
        }
    except (EvaluationError, KeyError):
        return None
    return values


def _mlflow_config(execution: Execution) -> dict[str, str] | None:
    """MLflowConfig as DescribePipelineExecution shows it: the start's MlflowExperimentName over the
    definition's, and the tracking server ARN from the definition's MlflowConfig."""
    declared = execution.plan.definition.get("MlflowConfig")
    declared = declared if isinstance(declared, dict) else {}
    config = {
        "MlflowResourceArn": declared.get("MlflowResourceArn"),
        "MlflowExperimentName": execution.mlflow_experiment or declared.get("MlflowExperimentName"),
    }
    shown = {key: value for key, value in config.items() if isinstance(value, str)}
    return shown or None


def describe_pipeline_execution(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    execution = find_execution(ctx, params["PipelineExecutionArn"])
    parallelism = execution.parallelism
    return compact(
        {
            "PipelineArn": execution.pipeline.arn,
            "PipelineExecutionArn": execution.arn,
            "PipelineExecutionDisplayName": execution.display_name,
            "PipelineExecutionStatus": execution.status,
            "PipelineExecutionDescription": execution.description,
            "PipelineExperimentConfig": _experiment_config(execution),
            "FailureReason": execution.failure_reason,
            "CreationTime": execution.created,
            "LastModifiedTime": execution.modified,
            "ParallelismConfiguration": {"MaxParallelExecutionSteps": parallelism} if parallelism else None,
            "SelectiveExecutionConfig": execution.selective,
            "PipelineVersionId": execution.version.version_id,
            "MLflowConfig": _mlflow_config(execution),
            "PipelineVersionAliases": execution.version.aliases or None,
        }
    )


def list_pipeline_executions(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pipeline = find_pipeline(ctx, params["PipelineName"])
    executions = [ex for ex in pipeline.executions.values() if within(ex.created, params)]
    alias = params.get("PipelineVersionAlias")
    if alias is not None:
        aliased = aliased_version(pipeline, alias)
        executions = [ex for ex in executions if ex.version is aliased]
    if params.get("SortBy") == "PipelineExecutionArn":
        executions.sort(key=lambda ex: ex.arn)
    else:
        executions.sort(key=lambda ex: ex.created)
    if params.get("SortOrder", "Descending") == "Descending":
        executions.reverse()
    chunk, token = page(executions, params, DEFAULT_PAGE)
    summaries = [
        compact(
            {
                "PipelineExecutionArn": ex.arn,
                "StartTime": ex.created,
                "PipelineExecutionStatus": ex.status,
                "PipelineExecutionDescription": ex.description,
                "PipelineExecutionDisplayName": ex.display_name,
                "PipelineExecutionFailureReason": ex.failure_reason,
                "PipelineVersionAliases": ex.version.aliases or None,
            }
        )
        for ex in chunk
    ]
    return compact({"PipelineExecutionSummaries": summaries, "NextToken": token})


def stop_pipeline_execution(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    previous = replayed(ctx, "StopPipelineExecution", params)
    if previous is not None:
        return previous
    execution = find_execution(ctx, params["PipelineExecutionArn"])
    if execution.status == "Executing":
        ctx.engine.stop(execution)
    elif execution.status != "Stopping":
        raise errors.conflict(
            f"Pipeline execution '{execution.arn}' is {execution.status}; "
            "only an Executing execution can be stopped."
        )
    return remember(ctx, "StopPipelineExecution", params, {"PipelineExecutionArn": execution.arn})


def retry_pipeline_execution(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    previous = replayed(ctx, "RetryPipelineExecution", params)
    if previous is not None:
        return previous
    execution = find_execution(ctx, params["PipelineExecutionArn"])
    if execution.status != "Failed":
        raise errors.conflict(
            f"Pipeline execution '{execution.arn}' is {execution.status}; "
            "only a Failed execution can be retried."
        )
    if execution.failed_by_fail_step:
        raise errors.validation(
            f"Pipeline execution '{execution.arn}' stopped at a Fail step ({execution.failure_reason}); "
            "it cannot be retried."
        )
    _check_capacity(ctx)
    parallelism = params.get("ParallelismConfiguration")
    ctx.engine.retry(execution, parallelism["MaxParallelExecutionSteps"] if parallelism else None)
    return remember(ctx, "RetryPipelineExecution", params, {"PipelineExecutionArn": execution.arn})


def update_pipeline_execution(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    execution = find_execution(ctx, params["PipelineExecutionArn"])
    if params.get("PipelineExecutionDisplayName") is not None:
        execution.display_name = params["PipelineExecutionDisplayName"]
    if params.get("PipelineExecutionDescription") is not None:
        execution.description = params["PipelineExecutionDescription"]
    if params.get("ParallelismConfiguration") is not None:
        execution.parallelism = params["ParallelismConfiguration"]["MaxParallelExecutionSteps"]
        ctx.engine.pump(execution)
    execution.modified = ctx.now
    return {"PipelineExecutionArn": execution.arn}


def describe_pipeline_definition_for_execution(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    execution = find_execution(ctx, params["PipelineExecutionArn"])
    return {"PipelineDefinition": execution.version.definition_text, "CreationTime": execution.created}


def list_pipeline_parameters_for_execution(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    execution = find_execution(ctx, params["PipelineExecutionArn"])
    items = [{"Name": name, "Value": value} for name, value in execution.parameters.items()]
    chunk, token = page(items, params, DEFAULT_PAGE)
    return compact({"PipelineParameters": chunk, "NextToken": token})


HANDLERS = {
    "StartPipelineExecution": start_pipeline_execution,
    "DescribePipelineExecution": describe_pipeline_execution,
    "ListPipelineExecutions": list_pipeline_executions,
    "StopPipelineExecution": stop_pipeline_execution,
    "RetryPipelineExecution": retry_pipeline_execution,
    "UpdatePipelineExecution": update_pipeline_execution,
    "DescribePipelineDefinitionForExecution": describe_pipeline_definition_for_execution,
    "ListPipelineParametersForExecution": list_pipeline_parameters_for_execution,
}

"""Step-level operations: ListPipelineExecutionSteps and the Callback step answers
SendPipelineExecutionStepSuccess / SendPipelineExecutionStepFailure."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_emulator import errors
from sagemaker_pipelines_emulator.operations.common import (
    compact,
    find_execution,
    remember,
    replayed,
)
from sagemaker_pipelines_emulator.pagination import page
from sagemaker_pipelines_emulator.service import Context
from sagemaker_pipelines_emulator.state import Execution, StepRun

DEFAULT_PAGE = 10


def _step_summary(execution: Execution, run: StepRun) -> dict[str, Any]:
    spec = execution.plan.steps.get(run.template or run.name)
    return compact(
        {
            "StepName": run.name,
            "StepDisplayName": spec.display_name if spec else None,
            "StepDescription": spec.description if spec else None,
            "StartTime": run.start,
            "EndTime": run.end,
            "StepStatus": run.status,
            "FailureReason": run.failure_reason,
            "Metadata": run.metadata,
            "AttemptCount": run.attempt,
            "CacheHitResult": {"SourcePipelineExecutionArn": run.cache_source} if run.cache_source else None,
            "SelectiveExecutionResult": {"SourcePipelineExecutionArn": run.reused_from}
            if run.reused_from
            else None,
            "IterationContext": run.iteration,
        }
    )


def list_pipeline_execution_steps(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    execution = find_execution(ctx, params.get("PipelineExecutionArn"))
    runs = sorted(execution.runs.values(), key=lambda run: run.start)
    if params.get("SortOrder", "Descending") == "Descending":
        runs.reverse()
    chunk, token = page(runs, params, DEFAULT_PAGE)
    return compact(
        {"PipelineExecutionSteps": [_step_summary(execution, run) for run in chunk], "NextToken": token}
    )


def _waiting_step(ctx: Context, token: str) -> tuple[Execution, str]:
    found = ctx.engine.callbacks.get(token)
    if found is not None and found[0].arn in ctx.state.executions:
        return found
    for execution in ctx.state.executions.values():
        for run in execution.runs.values():
            if run.callback_token == token:
                raise errors.conflict(
                    f"Step '{run.name}' of pipeline execution '{execution.arn}' is {run.status}; "
                    "it no longer waits for a callback."
                )
    raise errors.not_found(f"Callback token '{token}' does not exist.")


def send_step_success(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    previous = replayed(ctx, "SendPipelineExecutionStepSuccess", params)
    if previous is not None:
        return previous
    execution, step = _waiting_step(ctx, params["CallbackToken"])
    if execution.runs[step].status != "Executing":
        raise errors.conflict(
            f"Step '{step}' of pipeline execution '{execution.arn}' is {execution.runs[step].status}."
        )
    outputs = {item["Name"]: item["Value"] for item in params.get("OutputParameters") or []}
    ctx.engine.callback_succeeded(execution, step, outputs)
    return remember(ctx, "SendPipelineExecutionStepSuccess", params, {"PipelineExecutionArn": execution.arn})


def send_step_failure(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    previous = replayed(ctx, "SendPipelineExecutionStepFailure", params)
    if previous is not None:
        return previous
    execution, step = _waiting_step(ctx, params["CallbackToken"])
    if execution.runs[step].status != "Executing":
        raise errors.conflict(
            f"Step '{step}' of pipeline execution '{execution.arn}' is {execution.runs[step].status}."
        )
    reason = params.get("FailureReason") or "The callback reported a failure."
    ctx.engine.callback_failed(execution, step, reason)
    return remember(ctx, "SendPipelineExecutionStepFailure", params, {"PipelineExecutionArn": execution.arn})


HANDLERS = {
    "ListPipelineExecutionSteps": list_pipeline_execution_steps,
    "SendPipelineExecutionStepSuccess": send_step_success,
    "SendPipelineExecutionStepFailure": send_step_failure,
}

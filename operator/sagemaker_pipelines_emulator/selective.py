"""Selective execution: check SelectiveExecutionConfig against the pipeline's DAG and take the
outputs of non-selected upstream steps from a reference execution, as SageMaker documents."""

from __future__ import annotations

import dataclasses
from typing import Any

from sagemaker_pipelines_emulator import errors
from sagemaker_pipelines_emulator.state import Execution, Pipeline, PipelineVersion, StepRun

SOURCE_STATUSES = ("Succeeded", "Failed")


def _source(pipeline: Pipeline, arn: str | None, upstream: set[str]) -> Execution | None:
    if arn is None:
        if not upstream:
            return None
        done = [ex for ex in pipeline.executions.values() if ex.status in SOURCE_STATUSES]
        if not done:
            raise errors.validation(
                f"Selected steps depend on steps that are not selected ({', '.join(sorted(upstream))}) and "
                "the pipeline has no Succeeded or Failed execution to reuse them from; "
                "give SourcePipelineExecutionArn."
            )
        return max(done, key=lambda ex: ex.created)
    source = pipeline.executions.get(arn.lower())
    if source is None:
        raise errors.validation(
            f"SourcePipelineExecutionArn '{arn}' is not an execution of pipeline '{pipeline.arn}'."
        )
    if source.status not in SOURCE_STATUSES:
        raise errors.validation(
            f"Source execution '{arn}' is {source.status}; it must be Succeeded or Failed."
        )
    return source


def plan_selection(
    pipeline: Pipeline, version: PipelineVersion, config: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, StepRun]]:
    """The SelectiveExecutionConfig to record and the step runs reused from the source execution."""
    plan = version.plan
    names = [item["StepName"] for item in config["SelectedSteps"]]
    selected = set(names)
    unknown = [name for name in names if name not in plan.steps]
    if unknown:
        raise errors.validation(
            f"Selected steps not in pipeline version {version.version_id}: {', '.join(unknown)}."
        )
    bodies = {body: parent for parent, body_steps in plan.bodies.items() for body in body_steps}
    inside = [f"'{name}' (select ForEach '{bodies[name]}')" for name in names if name in bodies]
    if inside:
        raise errors.validation(f"Steps inside a ForEach body cannot be selected: {', '.join(inside)}.")
    if len(selected) != len(names):
        raise errors.validation("SelectedSteps lists a step more than once.")
    between = plan.descendants(selected) & plan.ancestors(selected)
    if between:
        raise errors.validation(
            "All steps on the paths between selected steps must be selected; missing: "
            f"{', '.join(sorted(between))}."
        )
    upstream = plan.ancestors(selected)
    source = _source(pipeline, config.get("SourcePipelineExecutionArn"), upstream)
    reused: dict[str, StepRun] = {}
    for name in sorted(upstream):
        run = source.runs.get(name) if source else None
        if run is None or run.status != "Succeeded":
            raise errors.validation(
                f"Step '{name}' did not succeed in source execution '{source.arn if source else ''}'; "
                "select it too or choose another source execution."
            )
        reused[name] = dataclasses.replace(
            run,
            reused_from=run.reused_from or (source.arn if source else None),
            generation=0,
            callback_token=None,
        )
    recorded: dict[str, Any] = {"SelectedSteps": [{"StepName": name} for name in names]}
    if source is not None:
        recorded["SourcePipelineExecutionArn"] = source.arn
    return recorded, reused

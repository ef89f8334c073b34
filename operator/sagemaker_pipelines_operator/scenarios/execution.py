"""One scenario, one execution: the definition runs in an in-process emulator (no network, no
Kubernetes) with the scenario's step outcomes as rules, on a clock compressed to milliseconds."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from sagemaker_pipelines_emulator.config import EmulatorConfig, apply_update
from sagemaker_pipelines_emulator.errors import ApiError
from sagemaker_pipelines_emulator.operations import OPERATIONS
from sagemaker_pipelines_emulator.outcome_rules import OutcomeRule, rules_json
from sagemaker_pipelines_emulator.service import Context, Emulator
from sagemaker_pipelines_emulator.shapes import validate_input
from sagemaker_pipelines_emulator.state import TERMINAL, Execution
from sagemaker_pipelines_operator.definition.parameters import format_value
from sagemaker_pipelines_operator.scenarios.compare import Observed, StepResult
from sagemaker_pipelines_operator.scenarios.model import Scenario

ROLE = "arn:aws:iam::123456789012:role/smpo-test"
REGION = "us-east-1"
# Every step takes this long, whatever the definition's directives say: only the logic is tested.
STEP_SECONDS = 0.0005
TIMEOUT_SECONDS = 30.0


class ScenarioError(Exception):
    """The scenario cannot run as written (unknown step, bad parameter, unanswered callback)."""


def scenario_rules(pipeline: str, scenario: Scenario) -> list[dict[str, Any]]:
    """The emulator's outcome rules for the scenario: its steps, then its callback answers."""
    rules = [OutcomeRule(pipeline=pipeline, step="*", seconds=STEP_SECONDS)]
    for step, outcome in scenario.steps.items():
        fields = outcome.model_dump(exclude_unset=True, exclude={"seconds"})
        rules.append(OutcomeRule.model_validate({**fields, "pipeline": pipeline, "step": step}))
    for step, answer in scenario.callbacks.items():
        rules.append(OutcomeRule(pipeline=pipeline, step=step, callback=answer))
    return rules_json(rules)


def check_step_names(steps: set[str], scenario: Scenario) -> None:
    """Unknown step names are typos; say so rather than let them silently test nothing."""
    named = {
        *scenario.steps,
        *scenario.callbacks,
        *scenario.expect.ran,
        *scenario.expect.not_run,
        *scenario.expect.branches,
        *scenario.expect.attempts,
    }
    unknown = sorted(named - steps)
    if unknown:
        raise ScenarioError(
            f"no step named {', '.join(repr(n) for n in unknown)} in the pipeline "
            f"(steps: {', '.join(sorted(steps))})"
        )


def _call(emulator: Emulator, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        validate_input(operation, params)
        return OPERATIONS[operation](Context(emulator, REGION, time.time()), params)
    except ApiError as exc:
        raise ScenarioError(f"{operation}: {exc.message}") from None


async def _until_done(emulator: Emulator, execution: Execution) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while execution.status not in TERMINAL:
        await asyncio.sleep(STEP_SECONDS)
        waiting = [
            run.name for run in execution.runs.values() if run.callback_token and run.status == "Executing"
        ]
        if waiting and len(emulator.scheduler) == 0:
            names = ", ".join(repr(name) for name in waiting)
            raise ScenarioError(f"Callback step {names} waits for an answer; give one under 'callbacks'")
        if time.monotonic() > deadline:
            raise ScenarioError(f"the execution did not end within {TIMEOUT_SECONDS:g}s")


def run_scenario(definition_text: str, pipeline: str, scenario: Scenario) -> Observed:
    """Create the pipeline, start one execution with the scenario's parameters, wait for its end."""
    loop = asyncio.new_event_loop()
    try:
        config = apply_update(
            EmulatorConfig(),
            {
                "step_seconds": STEP_SECONDS,
                "fail_step_pattern": "",
                "outcomes": scenario_rules(pipeline, scenario),
            },
        )
        emulator = Emulator(config, loop)
        _call(
            emulator,
            "CreatePipeline",
            {
                "PipelineName": pipeline,
                "PipelineDefinition": definition_text,
                "RoleArn": ROLE,
                "ClientRequestToken": uuid.uuid4().hex,
            },
        )
        parameters = [
            {"Name": name, "Value": value if isinstance(value, str) else format_value(value)}
            for name, value in scenario.parameters.items()
        ]
        started = _call(
            emulator,
            "StartPipelineExecution",
            {
                "PipelineName": pipeline,
                "PipelineParameters": parameters,
                "ClientRequestToken": uuid.uuid4().hex,
            },
        )
        execution = emulator.region(REGION).executions[started["PipelineExecutionArn"]]
        loop.run_until_complete(_until_done(emulator, execution))
        return observed(execution)
    finally:
        loop.close()


def observed(execution: Execution) -> Observed:
    steps = {
        name: StepResult(run.status, run.attempt, run.failure_reason)
        for name, run in execution.runs.items()
        if run.reused_from is None
    }
    branches = {
        name: run.metadata["Condition"]["Outcome"] == "True"
        for name, run in execution.runs.items()
        if run.type == "Condition" and "Condition" in run.metadata
    }
    not_run = {name: state for name, state in execution.progress.items() if name not in steps}
    return Observed(execution.status, execution.failure_reason, steps, branches, not_run)

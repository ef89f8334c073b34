"""The engine's ForEach steps in motion: resolve the items, start children within MaxConcurrency
as their body dependencies allow, walk each child Starting -> Executing -> its outcome, and end
the ForEach with ForEachStepMetadata (fanout.py keeps the bookkeeping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sagemaker_pipelines_emulator import fanout, outcomes
from sagemaker_pipelines_emulator.directives import DirectiveError
from sagemaker_pipelines_emulator.evaluation import EvaluationError, Evaluator
from sagemaker_pipelines_emulator.state import Execution, StepRun
from sagemaker_pipelines_operator.definition.references import parse_get

if TYPE_CHECKING:
    from sagemaker_pipelines_emulator.engine import Engine
    from sagemaker_pipelines_emulator.outcome_rules import StepOutcome

_STARTING_SHARE = outcomes.STARTING_SHARE


class ForEachRunner:
    """Runs the children of the engine's ForEach steps through the engine's step transitions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def begin(self, execution: Execution, run: StepRun) -> None:
        plan = execution.plan
        arguments: Any = plan.steps[run.name].body.get("Arguments", {})
        evaluator = Evaluator(execution, self.engine.clock())
        raw = arguments.get("IterableItems")
        try:
            value = [evaluator.value(item) for item in raw] if isinstance(raw, list) else evaluator.value(raw)
            items = fanout.item_list(value)
        except (EvaluationError, fanout.ItemsError) as exc:
            self.engine.end_step(execution, run, "Failed", f"ForEach step '{run.name}': {exc}")
            return
        templates = plan.bodies.get(run.name, ())
        deps = fanout.body_dependencies([(name, plan.steps[name].body) for name in templates])
        run.fan_out = fanout.FanOut(items, templates, deps, int(arguments.get("MaxConcurrency", 1)))
        self._advance(execution, run)

    def _advance(self, execution: Execution, parent: StepRun) -> None:
        fan = parent.fan_out
        if fan is None or execution.status != "Executing" or parent.status != "Executing":
            return
        for child in fan.ready():
            self._start_child(execution, parent, fan, child)
        parent.metadata = {"ForEach": fan.metadata()}
        if fan.done:
            self._finish(execution, parent, fan)

    def _start_child(
        self, execution: Execution, parent: StepRun, fan: fanout.FanOut, child: fanout.Child
    ) -> None:
        template = execution.plan.steps[child.template]
        previous = execution.runs.get(child.name)
        now = self.engine.clock()
        run = StepRun(name=child.name, type=template.type, start=now, template=child.template)
        run.iteration = {"ParentStepName": parent.name, "Index": child.index, "Item": fan.items[child.index]}
        run.generation = previous.generation + 1 if previous is not None else 0
        execution.runs[child.name] = run
        self.engine.steps_started += 1
        self.engine.set_step(execution, run, "Starting", now, previous=None)
        duration = outcomes.step_duration(template, self.engine.config(), self._child_rule(execution, child))
        self.engine.scheduler.call_later(
            duration * _STARTING_SHARE, self._child_executing, execution, child, run.generation, duration
        )

    def _child_rule(self, execution: Execution, child: fanout.Child) -> StepOutcome | None:
        return self.engine.rule(execution, child.name) or self.engine.rule(execution, child.template)

    def _child_executing(
        self, execution: Execution, child: fanout.Child, generation: int, duration: float
    ) -> None:
        run = self.engine.current_run(execution, child.name, generation)
        if run is None:
            return
        spec = replace(execution.plan.steps[child.template], name=child.name)
        _, _, _, region, account, _ = execution.arn.split(":", 5)
        run.metadata = outcomes.step_metadata(spec, execution, region, account)
        self.engine.set_step(execution, run, "Executing", self.engine.clock())
        remaining = duration * (1 - _STARTING_SHARE)
        self.engine.scheduler.call_later(remaining, self._child_complete, execution, child, generation)

    def _child_complete(self, execution: Execution, child: fanout.Child, generation: int) -> None:
        run = self.engine.current_run(execution, child.name, generation)
        if run is None:
            return
        template = execution.plan.steps[child.template]
        rule = self._child_rule(execution, child)
        try:
            reason = outcomes.failure_reason(template, execution, run.attempt, self.engine.config(), rule)
            if reason is None:
                run.outputs = outcomes.published_outputs(template, execution, rule)
                outcomes.lambda_outputs(run)
        except DirectiveError as exc:
            reason = str(exc)
        self.engine.end_step(execution, run, "Failed" if reason else "Succeeded", reason)

    def child_ended(self, execution: Execution, run: StepRun, status: str) -> None:
        parent = execution.runs.get(str((run.iteration or {}).get("ParentStepName")))
        if parent is None or parent.fan_out is None or run.template is None:
            return
        child = fanout.Child(int((run.iteration or {}).get("Index", 0)), run.template)
        parent.fan_out.ended(child, status.lower())
        self._advance(execution, parent)

    def _finish(self, execution: Execution, parent: StepRun, fan: fanout.FanOut) -> None:
        selector: Any = execution.plan.steps[parent.name].body.get("Arguments", {}).get("Selector")
        if isinstance(selector, Mapping) and fan.status() == "Succeeded":
            _, target, rest = parse_get(str(selector.get("Field", {}).get("Get", "")))
            evaluator = Evaluator(execution, self.engine.clock())
            fan.selected = fan.select(str(selector.get("Pick")), target, lambda c: _score(evaluator, c, rest))
        parent.outputs = fan.aggregates()
        status = fan.status()
        reason = None
        if status != "Succeeded":
            failed, total = fan.count("failed"), len(fan.states)
            reason = f"ForEach step '{parent.name}': {failed} of {total} iteration steps failed"
        self.engine.end_step(execution, parent, "Succeeded" if status == "Succeeded" else "Failed", reason)


def _score(evaluator: Evaluator, child: fanout.Child, rest: str) -> Any:
    try:
        return evaluator.step_property(child.name, rest, f"IterationOutput.{child.template}{rest}")
    except EvaluationError:
        return None

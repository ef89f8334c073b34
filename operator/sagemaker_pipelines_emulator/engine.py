"""Executions in motion: walk the DAG, honour parallelism, evaluate Conditions, fail on Fail steps,
wait on Callbacks, fan ForEach bodies out, stop and retry. Every transition is a Scheduler entry,
never a task."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sagemaker_pipelines_emulator import caching, outcomes
from sagemaker_pipelines_emulator.config import EmulatorConfig
from sagemaker_pipelines_emulator.directives import DirectiveError
from sagemaker_pipelines_emulator.evaluation import EvaluationError, Evaluator
from sagemaker_pipelines_emulator.events import EventSink
from sagemaker_pipelines_emulator.foreach_runner import ForEachRunner
from sagemaker_pipelines_emulator.ids import random_id
from sagemaker_pipelines_emulator.outcome_rules import CallbackAnswer, StepOutcome, outcome_for
from sagemaker_pipelines_emulator.readiness import handles_failure, readiness
from sagemaker_pipelines_emulator.scheduler import Scheduler
from sagemaker_pipelines_emulator.state import RUNNING_STEP, Execution, StepRun

STEP_FAILURE = "Step failure: One or multiple steps failed."
_STARTING_SHARE = outcomes.STARTING_SHARE


class Engine:
    def __init__(
        self,
        scheduler: Scheduler,
        config: Callable[[], EmulatorConfig],
        events: EventSink,
        clock: Callable[[], float],
    ) -> None:
        self.scheduler = scheduler
        self.config = config
        self.events = events
        self.clock = clock
        """Wall-clock time for every timestamp, the same one operations see as `Context.now`."""
        self.callbacks: dict[str, tuple[Execution, str]] = {}
        self.active = 0
        self.peak_active = 0
        self.steps_started = 0
        self.for_each = ForEachRunner(self)

    # -- execution lifecycle -------------------------------------------------------------------

    def start(self, execution: Execution, reused: Mapping[str, StepRun] | None = None) -> None:
        """Begin `execution`; `reused` steps (selective execution) count as done, others not selected skip."""
        plan = execution.plan
        execution.progress = dict.fromkeys(plan.order, "pending")
        if execution.selective is not None:
            selected = {item["StepName"] for item in execution.selective["SelectedSteps"]}
            for name in plan.order:
                if name in (reused or {}):
                    execution.runs[name] = (reused or {})[name]
                    execution.progress[name] = "succeeded"
                elif name not in selected:
                    execution.progress[name] = "skipped"
        self._activated(execution, None)
        self.pump(execution)

    def stop(self, execution: Execution) -> None:
        now = self.clock()
        self._set_status(execution, "Stopping", now)
        delay = self.config().stop_delay()
        for run in execution.runs.values():
            if run.status in RUNNING_STEP and run.status != "Stopping":
                self.set_step(execution, run, "Stopping", now)
                run.generation += 1
                self.scheduler.call_later(delay, self._stopped, execution, run.name, run.generation)
        if execution.running_count() == 0:
            self.scheduler.call_later(delay, self._settle_stop, execution)

    def retry(self, execution: Execution, parallelism: int | None) -> None:
        for name, state in execution.progress.items():
            if state in ("failed", "blocked"):
                execution.progress[name] = "pending"
        execution.failure_reason = None
        if parallelism is not None:
            execution.parallelism = parallelism
        self._activated(execution, execution.status)
        self.pump(execution)

    def pump(self, execution: Execution) -> None:
        """Start every step whose dependencies are met, within MaxParallelExecutionSteps."""
        if execution.status != "Executing":
            return
        progress = execution.progress
        running = execution.running_count()
        limit = execution.parallelism or len(progress) or 1
        stalled = any(state == "failed" for state in progress.values())
        for name in execution.plan.order:
            if progress[name] != "pending":
                continue
            states = {dep: progress[dep] for dep in execution.plan.deps[name]}
            triggers = execution.plan.triggers.get(name, {})
            verdict = readiness(states, triggers)
            if verdict == "skip":
                progress[name] = "skipped"
            elif verdict == "block":
                progress[name] = "blocked"
            elif verdict == "run" and running < limit and (not stalled or handles_failure(states, triggers)):
                self._start_step(execution, name)
                running += 1
        if running == 0:
            self._finish(execution)

    # -- callbacks -----------------------------------------------------------------------------

    def callback_succeeded(self, execution: Execution, step: str, outputs: dict[str, str]) -> None:
        run = execution.runs[step]
        run.outputs = dict(outputs)
        parameters = [{"Name": key, "Value": value} for key, value in outputs.items()]
        run.metadata.setdefault("Callback", {})["OutputParameters"] = parameters
        self.end_step(execution, run, "Succeeded", None)

    def _answer(self, execution: Execution, run: StepRun, generation: int, answer: CallbackAnswer) -> None:
        """An outcome rule plays the outside world: the callback is answered unless already done."""
        if execution.runs.get(run.name) is not run or run.generation != generation:
            return
        if run.status != "Executing" or run.callback_token is None:
            return
        if answer.failure_reason is not None:
            self.callback_failed(execution, run.name, answer.failure_reason)
        else:
            outputs = {key: outcomes.format_output(value) for key, value in answer.outputs.items()}
            self.callback_succeeded(execution, run.name, outputs)

    def callback_failed(self, execution: Execution, step: str, reason: str) -> None:
        self.end_step(execution, execution.runs[step], "Failed", reason)

    # -- step transitions ----------------------------------------------------------------------

    def _start_step(self, execution: Execution, name: str) -> None:
        spec = execution.plan.steps[name]
        previous = execution.runs.get(name)
        now = self.clock()
        attempt = previous.attempt + 1 if previous is not None and previous.reused_from is None else 1
        run = StepRun(name=name, type=spec.type, start=now, attempt=attempt)
        run.generation = previous.generation + 1 if previous is not None else 0
        execution.runs[name] = run
        execution.progress[name] = "running"
        self.steps_started += 1
        self.set_step(execution, run, "Starting", now, previous=None)
        run.cache_key = caching.cache_key(spec, execution, now)
        hit = caching.cache_hit(spec, execution, run.cache_key, now) if run.cache_key else None
        if hit is not None:
            self._from_cache(execution, run, *hit)
            return
        duration = outcomes.step_duration(spec, self.config(), self.rule(execution, name))
        self.scheduler.call_later(
            duration * _STARTING_SHARE, self._executing, execution, name, run.generation, duration
        )

    def _from_cache(self, execution: Execution, run: StepRun, source: Execution, cached: StepRun) -> None:
        """A cache hit: the step takes the source run's results and succeeds without running."""
        run.cache_source = cached.cache_source or source.arn
        run.outputs, run.property_files = dict(cached.outputs), dict(cached.property_files)
        run.metadata = dict(cached.metadata)
        config = self.config()
        delay = config.step_seconds * config.quick_step_fraction
        self.scheduler.call_later(delay, self._cache_done, execution, run.name, run.generation)

    def _cache_done(self, execution: Execution, name: str, generation: int) -> None:
        run = self.current_run(execution, name, generation)
        if run is not None:
            self.end_step(execution, run, "Succeeded", None)

    def rule(self, execution: Execution, name: str) -> StepOutcome | None:
        """The outcome rule for step `name` of this execution's pipeline, if any."""
        return outcome_for(self.config().outcomes, execution.pipeline.name, name)

    def current_run(self, execution: Execution, name: str, generation: int) -> StepRun | None:
        """The run of `name` if a transition scheduled at `generation` still applies to it."""
        run = execution.runs.get(name)
        if run is None or run.generation != generation or run.status not in ("Starting", "Executing"):
            return None
        return run

    def _executing(self, execution: Execution, name: str, generation: int, duration: float) -> None:
        run = self.current_run(execution, name, generation)
        if run is None:
            return
        spec = execution.plan.steps[name]
        _, _, _, region, account, _ = execution.arn.split(":", 5)
        run.metadata = outcomes.step_metadata(spec, execution, region, account)
        self.set_step(execution, run, "Executing", self.clock())
        rule = self.rule(execution, name)
        if spec.type == "ForEach":
            self.for_each.begin(execution, run)
            return
        if spec.type == "Callback":
            reason = outcomes.failure_reason(spec, execution, run.attempt, self.config(), rule)
            if reason is not None:
                self.end_step(execution, run, "Failed", reason)
                return
            run.callback_token = random_id(
                10, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            )
            queue = spec.body.get("SqsQueueUrl")
            run.metadata = {"Callback": {"CallbackToken": run.callback_token}}
            if isinstance(queue, str):
                run.metadata["Callback"]["SqsQueueUrl"] = queue
            self.callbacks[run.callback_token] = (execution, name)
            if rule is not None and rule.callback is not None:
                self.scheduler.call_later(
                    duration * (1 - _STARTING_SHARE),
                    self._answer,
                    execution,
                    run,
                    run.generation,
                    rule.callback,
                )
            return
        remaining = duration * (1 - _STARTING_SHARE)
        self.scheduler.call_later(remaining, self._complete, execution, name, generation)

    def _complete(self, execution: Execution, name: str, generation: int) -> None:
        run = self.current_run(execution, name, generation)
        if run is None:
            return
        spec = execution.plan.steps[name]
        rule = self.rule(execution, name)
        evaluator = Evaluator(execution, self.clock())
        try:
            if spec.type == "Condition":
                self._condition(execution, run, evaluator)
                return
            if spec.type == "Fail":
                self._fail_step(execution, run, evaluator)
                return
            reason = outcomes.failure_reason(spec, execution, run.attempt, self.config(), rule)
            if reason is not None and outcomes.retried_by_policy(spec, run.attempt):
                self._retry_step(execution, run)
                return
            if reason is None:
                run.outputs = outcomes.published_outputs(spec, execution, rule)
                run.property_files = dict(rule.property_files) if rule is not None else {}
                outcomes.lambda_outputs(run)
        except (EvaluationError, DirectiveError) as exc:
            reason = str(exc)
        self.end_step(execution, run, "Failed" if reason else "Succeeded", reason)

    def _retry_step(self, execution: Execution, run: StepRun) -> None:
        """A RetryPolicy of the step covers the failure: run it again, one attempt later."""
        run.attempt += 1
        run.generation += 1
        rule = self.rule(execution, run.name)
        duration = outcomes.step_duration(execution.plan.steps[run.name], self.config(), rule)
        # The policy's IntervalSeconds is compressed to half a step so tests stay fast.
        self.scheduler.call_later(duration * 1.5, self._complete, execution, run.name, run.generation)

    def _condition(self, execution: Execution, run: StepRun, evaluator: Evaluator) -> None:
        arguments: Any = execution.plan.steps[run.name].body.get("Arguments", {})
        holds = evaluator.outcome(arguments.get("Conditions", []))
        run.metadata = {"Condition": {"Outcome": "True" if holds else "False"}}
        not_taken = execution.plan.branches.get(run.name, {}).get("ElseSteps" if holds else "IfSteps", ())
        for name in not_taken:
            if execution.progress.get(name) == "pending":
                execution.progress[name] = "skipped"
        self.end_step(execution, run, "Succeeded", None)

    def _fail_step(self, execution: Execution, run: StepRun, evaluator: Evaluator) -> None:
        arguments: Any = execution.plan.steps[run.name].body.get("Arguments", {})
        message = evaluator.text(evaluator.value(arguments.get("ErrorMessage", "")))
        run.metadata = {"Fail": {"ErrorMessage": message}}
        execution.failed_by_fail_step = True
        execution.failure_reason = message
        self.end_step(execution, run, "Failed", message)

    def end_step(self, execution: Execution, run: StepRun, status: str, reason: str | None) -> None:
        """End `run` with `status` and move the execution (or its ForEach) on."""
        now = self.clock()
        run.end = now
        run.failure_reason = reason
        run.generation += 1
        if run.callback_token is not None:
            self.callbacks.pop(run.callback_token, None)
        if run.fan_out is not None:
            run.metadata = {"ForEach": run.fan_out.metadata(status)}
        if run.iteration is not None:
            self.set_step(execution, run, status, now)
            self.for_each.child_ended(execution, run, status)
            return
        execution.progress[run.name] = status.lower()
        self.set_step(execution, run, status, now)
        if execution.status == "Stopping":
            self._start_stop_handlers(execution)
            if execution.running_count() == 0:
                self._settle_stop(execution)
        else:
            self.pump(execution)

    def _start_stop_handlers(self, execution: Execution) -> None:
        """While stopping, only steps that run because their upstream stopped or failed start."""
        progress, plan = execution.progress, execution.plan
        for name in plan.order:
            states = {dep: progress[dep] for dep in plan.deps[name]}
            triggers = plan.triggers.get(name, {})
            ready = progress[name] == "pending" and readiness(states, triggers) == "run"
            if ready and handles_failure(states, triggers):
                self._start_step(execution, name)

    def _stopped(self, execution: Execution, name: str, generation: int) -> None:
        run = execution.runs.get(name)
        if run is None or run.generation != generation or run.status != "Stopping":
            return
        self.end_step(execution, run, "Stopped", None)

    def _settle_stop(self, execution: Execution) -> None:
        if execution.status == "Stopping" and execution.running_count() == 0:
            self._deactivated(execution, "Stopped", None)

    def _finish(self, execution: Execution) -> None:
        failed = [name for name, state in execution.progress.items() if state == "failed"]
        if not failed:
            self._deactivated(execution, "Succeeded", None)
        elif not execution.failed_by_fail_step and all(self._handled(execution, name) for name in failed):
            self._deactivated(execution, "CompletedWithFailures", None)
        else:
            reason = execution.failure_reason if execution.failed_by_fail_step else STEP_FAILURE
            self._deactivated(execution, "Failed", reason)

    def _handled(self, execution: Execution, failed: str) -> bool:
        """A failed step is handled when a step that runs on its failure (Failed or Any) ran."""
        plan = execution.plan
        return any(
            plan.triggers.get(user, {}).get(failed, "Completed") in ("Failed", "Any")
            and execution.progress.get(user) in ("running", "succeeded", "failed")
            for user in plan.users.get(failed, frozenset())
        )

    # -- bookkeeping ---------------------------------------------------------------------------

    def _activated(self, execution: Execution, previous: str | None) -> None:
        self.active += 1
        self.peak_active = max(self.peak_active, self.active)
        execution.status = "Executing"
        execution.failed_by_fail_step = False
        execution.modified = self.clock()
        self.events.execution_changed(execution, previous, execution.modified)

    def _deactivated(self, execution: Execution, status: str, reason: str | None) -> None:
        self.active -= 1
        execution.failure_reason = reason
        self._set_status(execution, status, self.clock())

    def _set_status(self, execution: Execution, status: str, now: float) -> None:
        previous, execution.status, execution.modified = execution.status, status, now
        self.events.execution_changed(execution, previous, now)

    def set_step(self, execution: Execution, run: StepRun, status: str, now: float, **kw: Any) -> None:
        """Record a step transition and tell the event sink."""
        previous = kw.get("previous", run.status)
        run.status = status
        execution.modified = now
        self.events.step_changed(execution, run, previous, now)

    def forget(self, execution: Execution) -> None:
        """Drop an execution's callback tokens (its pipeline was deleted or the emulator reset)."""
        for run in execution.runs.values():
            if run.callback_token is not None:
                self.callbacks.pop(run.callback_token, None)

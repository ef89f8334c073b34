"""Expected against observed: the pure comparison behind `smpo test`, one Mismatch per broken
expectation, each worded for a person (what was expected, what happened, which step)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sagemaker_pipelines_operator.scenarios.model import Expectation


@dataclass(frozen=True)
class StepResult:
    status: str
    attempts: int = 1
    failure_reason: str | None = None


@dataclass(frozen=True)
class Observed:
    """How the execution ended: its status and reason, each step that ran, each Condition's outcome."""

    phase: str
    failure_reason: str | None = None
    steps: Mapping[str, StepResult] = field(default_factory=dict)
    branches: Mapping[str, bool] = field(default_factory=dict)
    not_run: Mapping[str, str] = field(default_factory=dict)
    """Why a step did not run: `skipped` (a branch not taken) or `blocked` (a step before it failed)."""


@dataclass(frozen=True)
class Mismatch:
    message: str
    step: str | None = None


def _branch(value: bool) -> str:
    return "true (IfSteps)" if value else "false (ElseSteps)"


def _how_it_ran(result: StepResult) -> str:
    reason = f": {result.failure_reason}" if result.failure_reason else ""
    return f"{result.status}{reason}"


_WHY_NOT_RUN = {
    "skipped": "it is on a Condition branch that was not taken",
    "blocked": "a step it depends on failed or stopped",
}


def _why_not(observed: Observed, step: str) -> str:
    why = _WHY_NOT_RUN.get(observed.not_run.get(step, ""))
    return f" ({why})" if why else ""


def compare(expect: Expectation, observed: Observed) -> list[Mismatch]:
    """Every expectation that `observed` breaks, in the order of the Expectation's fields."""
    return [
        *_phase(expect, observed),
        *_steps_run(expect, observed),
        *_branches(expect, observed),
        *_attempts(expect, observed),
        *_failure_message(expect, observed),
    ]


def _phase(expect: Expectation, observed: Observed) -> list[Mismatch]:
    if expect.phase is None or expect.phase == observed.phase:
        return []
    reason = f" ({observed.failure_reason})" if observed.failure_reason else ""
    mismatches = [Mismatch(f"phase: expected {expect.phase}, got {observed.phase}{reason}")]
    # Why it ended so: the failed steps' own reasons (a JsonGet path, an emulated failure).
    for step, result in observed.steps.items():
        if result.status == "Failed" and result.failure_reason != observed.failure_reason:
            mismatches.append(Mismatch(f"  step '{step}' failed: {result.failure_reason}", step))
    return mismatches


def _steps_run(expect: Expectation, observed: Observed) -> list[Mismatch]:
    mismatches = [
        Mismatch(f"step '{step}' should have run, but it did not run{_why_not(observed, step)}", step)
        for step in expect.ran
        if step not in observed.steps
    ]
    for step in expect.not_run:
        if step in observed.steps:
            how = _how_it_ran(observed.steps[step])
            mismatches.append(Mismatch(f"step '{step}' should not have run, but it ran ({how})", step))
    return mismatches


def _branches(expect: Expectation, observed: Observed) -> list[Mismatch]:
    mismatches = []
    for step, wanted in expect.branches.items():
        if step not in observed.branches:
            message = f"condition '{step}': expected {_branch(wanted)}, but it was not evaluated"
            mismatches.append(Mismatch(message, step))
        elif observed.branches[step] != wanted:
            actual = _branch(observed.branches[step])
            mismatches.append(Mismatch(f"condition '{step}': expected {_branch(wanted)}, got {actual}", step))
    return mismatches


def _attempts(expect: Expectation, observed: Observed) -> list[Mismatch]:
    mismatches = []
    for step, count in expect.attempts.items():
        result = observed.steps.get(step)
        actual = result.attempts if result is not None else 0
        if actual != count:
            mismatches.append(Mismatch(f"step '{step}': expected {count} attempt(s), got {actual}", step))
    return mismatches


def _failure_message(expect: Expectation, observed: Observed) -> list[Mismatch]:
    wanted = expect.failure_message
    if wanted is None or wanted in (observed.failure_reason or ""):
        return []
    got = repr(observed.failure_reason) if observed.failure_reason else "no failure reason"
    return [Mismatch(f"failure message: expected it to contain {wanted!r}, got {got}")]

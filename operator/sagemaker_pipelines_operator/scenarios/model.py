"""The scenario file of `smpo test`: which Pipeline, its parameters, what each step does, and the
outcome expected (final phase, steps that ran or did not, branch of each Condition, failure message)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from sagemaker_pipelines_emulator.outcome_rules import CallbackAnswer, StepOutcome
from sagemaker_pipelines_operator.validation.documents import SCENARIO_SUFFIXES

__all__ = ["SCENARIO_SUFFIXES", "Expectation", "Scenario", "ScenarioFile"]

Phase = Literal["Succeeded", "Failed", "Stopped", "CompletedWithFailures"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class Expectation(_Model):
    """What must hold when the execution has ended; every field left out is not checked."""

    phase: Phase | None = None
    ran: tuple[str, ...] = Field(default=(), description="steps that must have run (in any order)")
    not_run: tuple[str, ...] = Field(default=(), description="steps that must not have run")
    branches: dict[str, bool] = Field(
        default_factory=dict, description="Condition step -> true (IfSteps taken) or false (ElseSteps)"
    )
    attempts: dict[str, int] = Field(default_factory=dict, description="step -> number of attempts")
    failure_message: str | None = Field(
        default=None, min_length=1, description="a substring of the execution's failure reason"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Expectation:
        both = sorted(set(self.ran) & set(self.not_run))
        if both:
            raise ValueError(f"steps both in ran and notRun: {', '.join(both)}")
        return self


class Scenario(_Model):
    name: str = Field(min_length=1)
    parameters: dict[str, str | int | float | bool] = Field(default_factory=dict)
    steps: dict[str, StepOutcome] = Field(
        default_factory=dict, description="step name -> what it does (outputs, propertyFiles, fail, ...)"
    )
    callbacks: dict[str, CallbackAnswer] = Field(
        default_factory=dict, description="Callback step -> the answer it gets"
    )
    expect: Expectation


class ScenarioFile(_Model):
    """`pipeline` names a Pipeline (metadata.name) found in `manifests` (paths relative to this file)."""

    pipeline: str = Field(min_length=1)
    manifests: tuple[str, ...] = Field(
        default=("..",),
        description="files or directories holding the Pipeline (default: the parent directory)",
    )
    scenarios: tuple[Scenario, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ScenarioFile:
        names = [scenario.name for scenario in self.scenarios]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"scenario names must be unique in a file: {', '.join(repeated)}")
        return self

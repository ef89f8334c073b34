"""validate_definition: every semantic problem in a pipeline definition, each with a precise path.

One validator serves the operator, `smpo validate` and the emulator, so the message a user sees
in CI is the message the emulator answers with.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from sagemaker_pipelines_operator.definition.canonical import canonical_json
from sagemaker_pipelines_operator.definition.for_each import (
    BODY_FORBIDDEN_TYPES,
    ForEachChecker,
    for_each_property_problem,
)
from sagemaker_pipelines_operator.definition.graph import find_cycle, step_dependencies
from sagemaker_pipelines_operator.definition.job_steps import ARGUMENT_OBJECT_TYPES, JobStepChecker
from sagemaker_pipelines_operator.definition.parameters import declared_parameters, parameter_problems
from sagemaker_pipelines_operator.definition.pipeline_config import config_problems
from sagemaker_pipelines_operator.definition.problems import DefinitionProblem, boolean_hint
from sagemaker_pipelines_operator.definition.references import (
    EXECUTION_VARIABLES,
    EXPERIMENT_CONFIG_PROPERTIES,
    Reference,
    scan_expressions,
)
from sagemaker_pipelines_operator.definition.run_conditions import depends_on_entry, entry_problem
from sagemaker_pipelines_operator.definition.step_bodies import (
    condition_step_problems,
    declared_list_problems,
    declared_names,
    fail_step_problems,
)
from sagemaker_pipelines_operator.definition.step_types import STEP_TYPES
from sagemaker_pipelines_operator.definition.steps import StepRef, iter_steps, step_content

SUPPORTED_VERSIONS = ("2020-12-01",)
STEP_NAME = re.compile(r"[A-Za-z0-9\-_]{1,64}")
# botocore's PipelineDefinition shape: max length 1048576 (tests pin this to the model).
PIPELINE_DEFINITION_MAX_LENGTH = 1_048_576
_OUTPUT_PARAMETER = re.compile(r"^\.OutputParameters\[['\"](.+?)['\"]\]")
_TYPE_HINTS = {"CreateModel": "Model", "Emr": "EMR", "AutoMLJob": "AutoML", "EMR-Serverless": "EMRServerless"}


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Validator:
    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.definition = definition
        self.problems: list[DefinitionProblem] = []
        self.refs = list(iter_steps(definition))
        self.by_name: dict[str, StepRef] = {}
        for ref in self.refs:
            if ref.name is not None and ref.name not in self.by_name:
                self.by_name[ref.name] = ref
        self.parameter_types = {p.name: p.type for p in declared_parameters(definition)}
        self.graph_names = {ref.name for ref in self.refs if ref.name is not None and ref.for_each is None}

    def add(self, path: str, message: str, step: str | None = None) -> None:
        self.problems.append(DefinitionProblem(path, message, step))

    def run(self) -> list[DefinitionProblem]:
        self.version()
        self.problems.extend(parameter_problems(self.definition))
        if self.steps_list():
            seen: dict[str, str] = {}
            for ref in self.refs:
                self.step(ref, seen)
            # Self-edges are reported where they are written (DependsOn, a Get of its own property).
            graph = {name: deps - {name} for name, deps in step_dependencies(self.definition).items()}
            cycle = find_cycle(graph)
            if cycle:
                self.add("Steps", f"dependency cycle: {' -> '.join(cycle)}")
        self.experiment_config()
        self.size()
        return self.problems

    def version(self) -> None:
        version = self.definition.get("Version")
        supported = ", ".join(SUPPORTED_VERSIONS)
        if version is None:
            self.add("Version", f"a definition needs Version (supported: {supported})")
        elif isinstance(version, bool):
            self.add(
                "Version",
                f"unsupported Version {json.dumps(version)} (supported: {supported}){boolean_hint(version)}",
            )
        elif version not in SUPPORTED_VERSIONS:
            self.add("Version", f"unsupported Version {version!r} (supported: {supported})")

    def steps_list(self) -> bool:
        steps = self.definition.get("Steps")
        if steps is None:
            self.add("Steps", "a definition needs Steps, a list of steps")
            return False
        if not isinstance(steps, list):
            self.add("Steps", f"Steps must be a list of steps, got {type(steps).__name__}")
            return False
        if not steps:
            self.add("Steps", "a pipeline needs at least one step")
        for index, body in enumerate(steps):
            if not isinstance(body, Mapping):
                self.add(f"Steps[{index}]", "a step must be an object with Name, Type and Arguments")
        return True

    def type_of(self, ref: StepRef, step_type: object) -> None:
        name = ref.name
        if step_type is None:
            self.add(f"{ref.path}.Type", f"a step needs a Type (one of {', '.join(STEP_TYPES)})", name)
        elif isinstance(step_type, bool):
            shown = json.dumps(step_type)
            self.add(f"{ref.path}.Type", f"unknown step type {shown}{boolean_hint(step_type)}", name)
        elif step_type not in STEP_TYPES:
            hint = _TYPE_HINTS.get(str(step_type))
            suggestion = f"; use '{hint}'" if hint else _suggest(str(step_type), list(STEP_TYPES))
            self.add(f"{ref.path}.Type", f"unknown step type {step_type!r}{suggestion}", name)

    def step(self, ref: StepRef, seen: dict[str, str]) -> None:
        name = ref.name
        if name is None:
            self.add(
                f"{ref.path}.Name", f"a step needs a Name (a string){boolean_hint(ref.body.get('Name'))}"
            )
        elif not STEP_NAME.fullmatch(name):
            self.add(
                f"{ref.path}.Name", f"invalid step name {name!r}: use 1-64 letters, digits, - or _", name
            )
        elif name in seen:
            self.add(f"{ref.path}.Name", f"duplicate step name '{name}' (also at {seen[name]})", name)
        else:
            seen[name] = ref.path
        step_type = ref.body.get("Type")
        self.type_of(ref, step_type)
        self.depends_on(ref)
        references, problems = scan_expressions(_scanned_content(ref), ref.path, name)
        self.problems.extend(problems)
        for reference in references:
            self.resolve(reference, ref)
        if ref.for_each is not None and step_type in BODY_FORBIDDEN_TYPES:
            pass  # the ForEach reports the forbidden type; its own checks would only add noise
        elif step_type == "Condition":
            self.problems.extend(condition_step_problems(ref, self.parameter_types))
        elif step_type == "Fail":
            self.problems.extend(fail_step_problems(ref))
        elif step_type == "ForEach":
            body = [other for other in self.refs if other.for_each == name and name is not None]
            self.problems.extend(ForEachChecker(ref, body, self.parameter_types, self.graph_names).check())
        elif step_type in ARGUMENT_OBJECT_TYPES:
            self.problems.extend(JobStepChecker(ref, set(self.by_name)).check())
        self.problems.extend(declared_list_problems(ref))

    def depends_on(self, ref: StepRef) -> None:
        depends_on = ref.body.get("DependsOn")
        if depends_on is None:
            return
        path = f"{ref.path}.DependsOn"
        if not isinstance(depends_on, list):
            self.add(
                path, "DependsOn must be a list of step names or {Step, Trigger} run conditions", ref.name
            )
            return
        triggers: dict[str, str] = {}
        for index, entry in enumerate(depends_on):
            where = f"{path}[{index}]"
            parsed = depends_on_entry(entry)
            if parsed is None:
                self.add(where, entry_problem(entry) or f"malformed DependsOn entry {entry!r}", ref.name)
                continue
            target, trigger = parsed
            if isinstance(entry, Mapping):
                where = f"{where}.Step"
            if triggers.get(target, trigger) != trigger:
                self.add(
                    where,
                    f"'{target}' is listed with conflicting triggers: {triggers[target]} and {trigger}",
                    ref.name,
                )
            triggers.setdefault(target, trigger)
            if target == ref.name:
                self.add(where, "a step cannot depend on itself", ref.name)
            elif target not in self.by_name:
                self.add(where, f"no step named '{target}'{_suggest(target, list(self.by_name))}", ref.name)
            elif not self.across_for_each(ref, target, where, f"depend on '{target}'"):
                self.other_branch(ref, target, where)

    def across_for_each(self, ref: StepRef, target: str, where: str, what: str) -> bool:
        """Report reading or waiting for a step on the other side of a ForEach body; True if reported."""
        other = self.by_name[target]
        if other.for_each is not None and other.for_each != ref.for_each:
            parent = other.for_each
            self.add(
                where,
                f"cannot {what}: it runs once per item in ForEach '{parent}'; "
                f"use Steps.{parent}.IterationOutputs[<index>].{target}... or depend on '{parent}'",
                ref.name,
            )
            return True
        if ref.for_each is not None and target == ref.for_each:
            self.add(where, f"a body step cannot {what}, the ForEach step that runs it", ref.name)
            return True
        return False

    def other_branch(self, ref: StepRef, target: str, where: str) -> None:
        other = self.by_name[target]
        if ref.condition is not None and other.condition == ref.condition and other.branch != ref.branch:
            self.add(
                where,
                f"'{target}' is in the {other.branch} of Condition '{ref.condition}' and never runs "
                f"together with this {ref.branch} step",
                ref.name,
            )

    def resolve(self, reference: Reference, ref: StepRef | None) -> None:
        check = _ROOT_CHECKS.get(reference.root)
        if check is not None:
            check(self, reference, ref)
        elif ref is None:
            self.add(
                reference.path,
                f"'{reference.expression}': only Parameters and Execution variables can be used here",
            )
        else:
            self.step_reference(reference, ref)

    def parameter_reference(self, reference: Reference, ref: StepRef | None) -> None:
        step, target = (ref.name if ref else None), reference.target
        if target not in self.parameter_types:
            known = _suggest(target, list(self.parameter_types))
            self.add(reference.path, f"no parameter named '{target}'{known}", step)
        elif reference.rest:
            self.add(
                reference.path, f"'{reference.expression}': a parameter reference takes no property", step
            )

    def execution_reference(self, reference: Reference, ref: StepRef | None) -> None:
        if reference.target not in EXECUTION_VARIABLES or reference.rest:
            known = ", ".join(sorted(EXECUTION_VARIABLES))
            message = f"unknown execution variable '{reference.expression}' (known: {known})"
            self.add(reference.path, message, ref.name if ref else None)

    def for_each_reference(self, reference: Reference, ref: StepRef | None) -> None:
        step = ref.name if ref else None
        if reference.target != "CurrentItem":
            message = f"unknown ForEach variable '{reference.expression}' (known: ForEach.CurrentItem)"
            self.add(reference.path, message, step)
        elif ref is None or ref.for_each is None:
            message = f"'{reference.expression}' can only be read by the body steps of a ForEach step"
            self.add(reference.path, message, step)

    def iteration_output_reference(self, reference: Reference, ref: StepRef | None) -> None:
        message = f"'{reference.expression}' can only be the Field of a ForEach step's Selector"
        self.add(reference.path, message, ref.name if ref else None)

    def experiment_reference(self, reference: Reference, ref: StepRef | None) -> None:
        if reference.target not in EXPERIMENT_CONFIG_PROPERTIES or reference.rest:
            message = f"unknown property '{reference.expression}' (ExperimentName or TrialName)"
            self.add(reference.path, message, ref.name if ref else None)

    def step_reference(self, reference: Reference, ref: StepRef) -> None:
        target, rest, path = reference.target, reference.rest, reference.path
        if target not in self.by_name:
            self.add(path, f"no step named '{target}'{_suggest(target, list(self.by_name))}", ref.name)
            return
        if not rest:
            self.add(
                path,
                f"'{reference.expression}' names no property (e.g. Steps.{target}.Properties...)",
                ref.name,
            )
            return
        if target == ref.name:
            self.add(path, f"a step cannot read its own properties ('{reference.expression}')", ref.name)
            return
        if self.across_for_each(ref, target, path, f"read '{reference.expression}'"):
            return
        self.other_branch(ref, target, path)
        body = self.by_name[target].body
        if self.by_name[target].type == "ForEach":
            names = [other.name for other in self.refs if other.for_each == target and other.name]
            problem = for_each_property_problem(reference.expression, rest, self.by_name[target], names)
            if problem is not None:
                self.add(path, problem, ref.name)
            return
        if rest.startswith(".PropertyFiles."):
            file_name = rest[len(".PropertyFiles.") :].split(".")[0]
            declared = declared_names(body.get("PropertyFiles"), "PropertyFileName")
            if file_name not in declared:
                self.add(path, f"step '{target}' declares no property file '{file_name}'", ref.name)
        match = _OUTPUT_PARAMETER.match(rest)
        if match and isinstance(body.get("OutputParameters"), list):
            declared = declared_names(body.get("OutputParameters"), "OutputName")
            if match.group(1) not in declared:
                self.add(path, f"step '{target}' declares no output parameter '{match.group(1)}'", ref.name)

    def experiment_config(self) -> None:
        self.problems.extend(config_problems(self.definition))
        for key in ("PipelineExperimentConfig", "MlflowConfig"):
            config = self.definition.get(key)
            if not isinstance(config, Mapping):
                continue
            references, problems = scan_expressions(config, key)
            self.problems.extend(problems)
            for reference in references:
                self.resolve(reference, None)

    def size(self) -> None:
        try:
            length = len(canonical_json(self.definition))
        except (TypeError, ValueError) as exc:
            self.add("", f"the definition is not plain JSON: {exc}")
            return
        if length > PIPELINE_DEFINITION_MAX_LENGTH:
            self.add(
                "",
                f"the definition is {length} characters as compact JSON; "
                f"SageMaker accepts at most {PIPELINE_DEFINITION_MAX_LENGTH}",
            )


def _scanned_content(ref: StepRef) -> dict[str, Any]:
    """What a step's references are read from; a ForEach Selector's Field is ForEachChecker's."""
    content = step_content(ref)
    arguments = content.get("Arguments")
    if ref.type == "ForEach" and isinstance(arguments, Mapping):
        content["Arguments"] = {key: value for key, value in arguments.items() if key != "Selector"}
    return content


def validate_definition(definition: Mapping[str, Any]) -> list[DefinitionProblem]:
    """All problems in `definition` (an already parsed object); an empty list means valid."""
    if not isinstance(definition, Mapping):
        return [DefinitionProblem("", f"a definition must be a JSON object, got {type(definition).__name__}")]
    return _Validator(definition).run()


# Reference roots other than Steps, each checked by one method.
_ROOT_CHECKS: dict[str, Callable[[_Validator, Reference, StepRef | None], None]] = {
    "Parameters": _Validator.parameter_reference,
    "Execution": _Validator.execution_reference,
    "ForEach": _Validator.for_each_reference,
    "IterationOutput": _Validator.iteration_output_reference,
    "PipelineExperimentConfig": _Validator.experiment_reference,
}

"""Arguments of the step types the SDK 3.x added: Job (a CreateJob request) and Cleanup (S3 outputs
of upstream steps to delete), as sagemaker-mlops 1.27 writes them (workflow/steps.py JobStep,
workflow/cleanup_step.py); Athena and HubContent steps need an Arguments object."""

from __future__ import annotations

from collections.abc import Mapping

from sagemaker_pipelines_operator.definition.problems import DefinitionProblem
from sagemaker_pipelines_operator.definition.run_conditions import run_conditions
from sagemaker_pipelines_operator.definition.steps import StepRef

# CreateJob's required members that a JobStep carries (the SDK drops JobName; SageMaker names the job).
JOB_REQUIRED = ("JobCategory", "JobConfigDocument")
ARGUMENT_OBJECT_TYPES = ("Job", "Athena", "Cleanup", "HubContent")


def _is_text(value: object) -> bool:
    return isinstance(value, (str, Mapping))


class JobStepChecker:
    """Problems in the Arguments of one Job, Athena, Cleanup or HubContent step."""

    def __init__(self, ref: StepRef, step_names: set[str]) -> None:
        self.ref = ref
        self.step_names = step_names
        self.problems: list[DefinitionProblem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(DefinitionProblem(f"{self.ref.path}.Arguments{field}", message, self.ref.name))

    def check(self) -> list[DefinitionProblem]:
        arguments = self.ref.body.get("Arguments")
        if not isinstance(arguments, Mapping):
            self.add("", f"a {self.ref.type} step needs Arguments, an object")
        elif self.ref.type == "Job":
            self.job(arguments)
        elif self.ref.type == "Cleanup":
            self.cleanup(arguments)
        return self.problems

    def job(self, arguments: Mapping[str, object]) -> None:
        for key in JOB_REQUIRED:
            if key not in arguments:
                self.add(f".{key}", f"a Job step needs Arguments.{key} (CreateJob requires it)")
            elif not _is_text(arguments[key]):
                self.add(
                    f".{key}", f"{key} must be a string (the SDK encodes JobConfigDocument as JSON text)"
                )

    def cleanup(self, arguments: Mapping[str, object]) -> None:
        resources = arguments.get("Resources")
        sources = resources.get("S3") if isinstance(resources, Mapping) else None
        if not isinstance(sources, list) or not sources:
            self.add(
                ".Resources.S3", "a Cleanup step needs Resources.S3, a non-empty list of {StepName, S3Uris?}"
            )
            return
        upstream = set(run_conditions(self.ref.body))
        for index, source in enumerate(sources):
            where = f".Resources.S3[{index}]"
            name = source.get("StepName") if isinstance(source, Mapping) else None
            if not isinstance(name, str):
                self.add(where, "each source needs StepName, the step whose S3 outputs to delete")
                continue
            if name not in self.step_names:
                self.add(f"{where}.StepName", f"no step named '{name}'")
            elif name not in upstream:
                self.add(
                    f"{where}.StepName",
                    f"Cleanup deletes outputs of '{name}' and must run after it: add '{name}' to DependsOn",
                )
            uris = source.get("S3Uris") if isinstance(source, Mapping) else None
            if uris is not None and (not isinstance(uris, list) or not uris):
                self.add(f"{where}.S3Uris", "S3Uris is omitted or a non-empty list of s3:// URIs")

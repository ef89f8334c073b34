"""Arguments of the step types the SDK 3.x added: Job, Athena and HubContent (the CreateJob,
StartQueryExecution and ImportHubContent requests, checked against botocore's models) and Cleanup
(S3 outputs of upstream steps to delete, as sagemaker-mlops 1.27 workflow/cleanup_step.py writes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.definition.problems import DefinitionProblem
from sagemaker_pipelines_operator.definition.request_shapes import shape_problems, step_requests
from sagemaker_pipelines_operator.definition.run_conditions import run_conditions
from sagemaker_pipelines_operator.definition.steps import StepRef

ARGUMENT_OBJECT_TYPES = ("Job", "Athena", "Cleanup", "HubContent")


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
        elif self.ref.type == "Cleanup":
            self.cleanup(arguments)
        elif self.ref.type in step_requests():
            self.request(arguments, step_requests()[str(self.ref.type)])
        return self.problems

    def request(self, arguments: Mapping[str, object], modelled: Mapping[str, Any]) -> None:
        request = modelled["request"]
        for field, message in shape_problems(arguments, modelled["shape"], ""):
            if message == "is required":
                self.add(field, f"a {self.ref.type} step needs Arguments{field} ({request} requires it)")
            else:
                self.add(field, f"{field.rsplit('.', 1)[-1]} {message} ({request})")

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

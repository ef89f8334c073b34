"""Scenario files found, read and run: each scenario's Pipeline is looked up among its manifests,
run in the in-process emulator and compared with its expectation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sagemaker_pipelines_emulator.outcome_rules import describe_validation_error
from sagemaker_pipelines_operator.definition.steps import iter_steps
from sagemaker_pipelines_operator.scenarios.compare import Mismatch, compare
from sagemaker_pipelines_operator.scenarios.execution import ScenarioError, check_step_names, run_scenario
from sagemaker_pipelines_operator.scenarios.model import SCENARIO_SUFFIXES, ScenarioFile
from sagemaker_pipelines_operator.validation.documents import UsageError, read_sources
from sagemaker_pipelines_operator.validation.findings import Severity
from sagemaker_pipelines_operator.validation.manifest_set import load_manifests


@dataclass
class ScenarioOutcome:
    """One scenario's verdict: passed when it ran and nothing mismatched."""

    file: str
    line: int
    name: str
    seconds: float = 0.0
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches


def scenario_files(paths: Sequence[str]) -> list[Path]:
    """The scenario files named, or found under the directories named (hidden ones skipped)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if _is_scenario_file(p, path)))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{given}: no such file or directory")
    if not found:
        raise UsageError(
            f"no scenario files ({', '.join('*' + s for s in SCENARIO_SUFFIXES)}) in {', '.join(paths)}"
        )
    return found


def _is_scenario_file(path: Path, root: Path) -> bool:
    hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
    return not hidden and path.is_file() and path.name.endswith(SCENARIO_SUFFIXES)


def _scenario_lines(text: str) -> list[int]:
    root = yaml.compose(text)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "scenarios" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def _read(path: Path) -> tuple[ScenarioFile, list[int]]:
    try:
        text = path.read_text()
        data: Any = yaml.safe_load(text)
        lines = _scenario_lines(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(f"cannot read the scenario file: {exc}") from None
    try:
        return ScenarioFile.model_validate(data), lines
    except ValidationError as exc:
        raise ScenarioError(f"invalid scenario file: {describe_validation_error(exc, '')}") from None


def pipeline_definition(scenario_file: ScenarioFile, base: Path) -> tuple[str, dict[str, Any]]:
    """(SageMaker pipeline name, definition) of the Pipeline the file names, read as `smpo validate` does."""
    try:
        sources = read_sources([str(base / path) for path in scenario_file.manifests])
    except UsageError as exc:
        raise ScenarioError(f"manifests: {exc}") from None
    manifests = load_manifests(sources)
    for resource, model in manifests.pipelines():
        if resource.name != scenario_file.pipeline:
            continue
        resolved = manifests.definition(resource)
        errors = [f for f in resolved.findings if f.severity == Severity.ERROR]
        if resolved.definition is None or errors:
            why = "; ".join(str(f) for f in errors) or "its definition cannot be read offline"
            raise ScenarioError(f"Pipeline '{scenario_file.pipeline}': {why}")
        return model.spec.pipeline_name or scenario_file.pipeline, resolved.definition
    where = ", ".join(scenario_file.manifests)
    raise ScenarioError(f"no Pipeline named '{scenario_file.pipeline}' in {where} (relative to {base})")


def run_file(path: Path) -> Iterator[ScenarioOutcome]:
    """Every scenario of the file; a file that cannot be used is one failed outcome saying why."""
    label = str(path)
    try:
        scenario_file, lines = _read(path)
        name, definition = pipeline_definition(scenario_file, path.parent)
    except ScenarioError as exc:
        yield ScenarioOutcome(label, 1, path.name, error=str(exc))
        return
    text = json.dumps(definition)
    step_names = set(_step_names(definition))
    for index, scenario in enumerate(scenario_file.scenarios):
        line = lines[index] if index < len(lines) else 1
        started = time.perf_counter()
        outcome = ScenarioOutcome(label, line, scenario.name)
        try:
            check_step_names(step_names, scenario)
            outcome.mismatches = compare(scenario.expect, run_scenario(text, name, scenario))
        except ScenarioError as exc:
            outcome.error = str(exc)
        outcome.seconds = time.perf_counter() - started
        yield outcome


def _step_names(definition: dict[str, Any]) -> Iterator[str]:
    for ref in iter_steps(definition):
        if ref.name:
            yield ref.name

"""Pipeline definitions, pure: parse, validate, canonicalise, hash, diff and the step graph.

No boto3, kopf, kubernetes or aiohttp here: the operator, the CLI and the emulator all use it.
"""

from sagemaker_pipelines_operator.definition.canonical import canonical_json, definition_hash, pretty_json
from sagemaker_pipelines_operator.definition.diff import definition_diff
from sagemaker_pipelines_operator.definition.errors import DefinitionError
from sagemaker_pipelines_operator.definition.graph import (
    find_cycle,
    step_dependencies,
    topological_order,
)
from sagemaker_pipelines_operator.definition.parameters import (
    DeclaredParameter,
    check_run_parameters,
    declared_parameters,
    resolved_parameters,
)
from sagemaker_pipelines_operator.definition.parse import parse_definition
from sagemaker_pipelines_operator.definition.problems import DefinitionProblem
from sagemaker_pipelines_operator.definition.step_types import STEP_TYPES
from sagemaker_pipelines_operator.definition.steps import StepRef, iter_steps
from sagemaker_pipelines_operator.definition.validate import SUPPORTED_VERSIONS, validate_definition

__all__ = [
    "STEP_TYPES",
    "SUPPORTED_VERSIONS",
    "DeclaredParameter",
    "DefinitionError",
    "DefinitionProblem",
    "StepRef",
    "canonical_json",
    "check_run_parameters",
    "declared_parameters",
    "definition_diff",
    "definition_hash",
    "find_cycle",
    "iter_steps",
    "parse_definition",
    "pretty_json",
    "resolved_parameters",
    "step_dependencies",
    "topological_order",
    "validate_definition",
]

"""Offline checks of manifests for `smpo validate` and `smpo diff`: read YAML with line numbers,
validate with the API models and the definition validator, then check across documents."""

from sagemaker_pipelines_operator.validation.checks import validate_manifests
from sagemaker_pipelines_operator.validation.documents import STDIN, Source, UsageError, read_sources
from sagemaker_pipelines_operator.validation.findings import Finding, Severity
from sagemaker_pipelines_operator.validation.manifest_set import ManifestSet, load_manifests
from sagemaker_pipelines_operator.validation.schema import Resource

__all__ = [
    "STDIN",
    "Finding",
    "ManifestSet",
    "Resource",
    "Severity",
    "Source",
    "UsageError",
    "load_manifests",
    "read_sources",
    "validate_manifests",
]

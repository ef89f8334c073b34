"""runOnChange: one PipelineRun per newly applied definition hash, with a name derived from the hash
so that a repeat after a crash finds the run instead of creating a second one. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator import API_VERSION, GROUP
from sagemaker_pipelines_operator.pipelines.plan.pipeline import Recorded

PIPELINE_LABEL = f"{GROUP}/pipeline"
"""Label on runs created for a Pipeline: its name."""
TRIGGER_LABEL = f"{GROUP}/trigger"
"""Label saying why the operator created a run (`run-on-change`)."""
HASH_ANNOTATION = f"{GROUP}/definition-hash"
"""Annotation with the definition hash a runOnChange run was created for."""

_HASH_CHARS = 10
_NAME_MAX = 63  # a label value and a DNS label, so the name fits wherever it is reused


def run_on_change_due(applied_hash: str, recorded: Recorded) -> bool:
    """A run is due when this pass applied a definition status did not have yet, and no run was
    recorded for it (the name makes a repeat after a crash harmless; this keeps deleted runs deleted)."""
    return applied_hash not in (recorded.definition_hash, recorded.run_on_change_hash)


def run_on_change_name(pipeline: str, definition_hash: str) -> str:
    suffix = definition_hash[:_HASH_CHARS]
    base = pipeline[: _NAME_MAX - len(suffix) - 1].rstrip("-.")
    return f"{base}-{suffix}"


def run_on_change_manifest(
    *,
    namespace: str,
    pipeline: str,
    pipeline_uid: str,
    definition_hash: str,
    parameters: Mapping[str, str],
) -> dict[str, Any]:
    """The PipelineRun, owned by the Pipeline (so it goes when the Pipeline goes)."""
    labels = {TRIGGER_LABEL: "run-on-change"}
    if len(pipeline) <= _NAME_MAX:
        labels[PIPELINE_LABEL] = pipeline
    return {
        "apiVersion": API_VERSION,
        "kind": "PipelineRun",
        "metadata": {
            "name": run_on_change_name(pipeline, definition_hash),
            "namespace": namespace,
            "labels": labels,
            "annotations": {HASH_ANNOTATION: definition_hash},
            "ownerReferences": [
                {
                    "apiVersion": API_VERSION,
                    "kind": "Pipeline",
                    "name": pipeline,
                    "uid": pipeline_uid,
                    "controller": True,
                }
            ],
        },
        "spec": {"pipelineRef": {"name": pipeline}, "parameters": dict(parameters)},
    }

"""`smpo rerun`'s decision: a new PipelineRun manifest that runs exactly what a finished or running
run ran - its spec and parameters, pinned to the version id it actually started. Pure."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun

RERUN_OF_ANNOTATION = "sagemaker.pipelines.dev/rerun-of"
"""`<namespace>/<name>` of the run a rerun repeats."""
RERUN_EXECUTION_ANNOTATION = "sagemaker.pipelines.dev/rerun-of-execution"
"""The execution ARN of the run a rerun repeats."""


class NotRerunnable(ValueError):
    """The run has not started a version that could be pinned."""


def rerun_manifest(run: PipelineRun, name: str) -> dict[str, Any]:
    """The PipelineRun that repeats `run`: same spec, `pipelineVersion.id` the version it ran,
    `cancel` cleared. Refused for a run whose status names no version (it never started one)."""
    meta = run.metadata
    version = run.status.pipeline_version_id
    if version is None:
        raise NotRerunnable(
            f"PipelineRun {meta.get('namespace')}/{meta.get('name')} has no status.pipelineVersionId "
            f"(phase {run.status.phase or 'Pending'}): it never started a version to pin"
        )
    body = run.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    body.pop("cancel", None)
    body["pipelineVersion"] = {"id": version}
    annotations = {RERUN_OF_ANNOTATION: f"{meta.get('namespace')}/{meta.get('name')}"}
    if run.status.execution_arn:
        annotations[RERUN_EXECUTION_ANNOTATION] = run.status.execution_arn
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineRun",
        "metadata": {"name": name, "namespace": meta.get("namespace"), "annotations": annotations},
        "spec": body,
    }

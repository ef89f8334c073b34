"""Every SageMaker operation the emulator serves, by name: the X-Amz-Target dispatch table."""

from __future__ import annotations

from sagemaker_pipelines_emulator.operations import executions, pipelines, steps, tags, versions
from sagemaker_pipelines_emulator.operations.common import Handler

OPERATIONS: dict[str, Handler] = {
    **pipelines.HANDLERS,
    **executions.HANDLERS,
    **steps.HANDLERS,
    **tags.HANDLERS,
    **versions.HANDLERS,
}

__all__ = ["OPERATIONS", "Handler"]

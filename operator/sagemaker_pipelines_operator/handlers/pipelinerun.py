"""PipelineRun handlers (first status only; executions arrive next)."""

from __future__ import annotations

from typing import Any

import kopf

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.outcome import run_pass
from sagemaker_pipelines_operator.reconcile.verdict import Verdict, progressing

KIND = "PipelineRun"


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    @kopf.on.resume("sagemaker.pipelines.dev", "pipelineruns", registry=registry)
    @kopf.on.create("sagemaker.pipelines.dev", "pipelineruns", registry=registry)
    @kopf.on.update("sagemaker.pipelines.dev", "pipelineruns", field="spec", registry=registry)
    def reconcile(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        def work() -> tuple[Verdict, dict[str, Any]]:
            PipelineRun.model_validate(dict(body))
            return progressing(c.PROGRESSING, "run accepted"), {}

        run_pass(KIND, body, patch, work)

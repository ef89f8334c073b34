"""Pipeline handlers (first status only; reconciliation against SageMaker arrives next)."""

from __future__ import annotations

from typing import Any

import kopf

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.handlers.context import OperatorContext
from sagemaker_pipelines_operator.handlers.outcome import run_pass
from sagemaker_pipelines_operator.reconcile.verdict import Verdict, progressing

KIND = "Pipeline"


def register(registry: kopf.OperatorRegistry, ctx: OperatorContext) -> None:
    @kopf.on.resume("sagemaker.pipelines.dev", "pipelines", registry=registry)
    @kopf.on.create("sagemaker.pipelines.dev", "pipelines", registry=registry)
    @kopf.on.update("sagemaker.pipelines.dev", "pipelines", field="spec", registry=registry)
    def reconcile(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        def work() -> tuple[Verdict, dict[str, Any]]:
            Pipeline.model_validate(dict(body))
            return progressing(c.PROGRESSING, "pipeline accepted"), {}

        run_pass(KIND, body, patch, work)

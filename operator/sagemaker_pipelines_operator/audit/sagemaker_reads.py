"""The SageMaker reads behind `smpo history --from-sagemaker`: versions, each version's definition,
and every execution with its parameters and first failed step. Read-only calls through the seam."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi


def read_history(
    api: SageMakerApi, pipeline: str
) -> tuple[list[dict[str, Any]], dict[int, str], list[dict[str, Any]]]:
    versions = api.paginate("ListPipelineVersions", "PipelineVersionSummaries", PipelineName=pipeline)
    definitions = {
        int(v["PipelineVersionId"]): str(
            api.call("DescribePipeline", PipelineName=pipeline, PipelineVersionId=v["PipelineVersionId"])[
                "PipelineDefinition"
            ]
        )
        for v in versions
    }
    executions = []
    for summary in api.paginate(
        "ListPipelineExecutions", "PipelineExecutionSummaries", PipelineName=pipeline
    ):
        arn = summary["PipelineExecutionArn"]
        described = api.call("DescribePipelineExecution", PipelineExecutionArn=arn)
        parameters = api.paginate(
            "ListPipelineParametersForExecution", "PipelineParameters", PipelineExecutionArn=arn
        )
        steps = api.paginate("ListPipelineExecutionSteps", "PipelineExecutionSteps", PipelineExecutionArn=arn)
        failed = next((s["StepName"] for s in steps if s.get("StepStatus") == "Failed"), None)
        executions.append(
            {**described, "Parameters": {p["Name"]: p["Value"] for p in parameters}, "FailedStep": failed}
        )
    return versions, definitions, executions

"""Read-only look at SageMaker for `smpo diff`: DescribePipeline, ListTags, ListPipelineExecutions.

Nothing here writes; a test counts the emulator's calls to keep it that way.
"""

from __future__ import annotations

from collections.abc import Iterable

from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess
from sagemaker_pipelines_operator.changes.plan import Live, LiveKey, Target

RECENT_EXECUTIONS = 100
"""Executions looked at to tell whether a PipelineRun already ran (the newest first)."""


def observe(
    aws: AwsAccess, targets: Iterable[Target], with_executions: Iterable[Target]
) -> dict[LiveKey, Live]:
    """The live state of every target; executions only for those runs point at."""
    wanted = {t.key for t in with_executions}
    return {t.key: _read(aws, t, t.key in wanted) for t in targets}


def _read(aws: AwsAccess, target: Target, executions: bool) -> Live:
    api = aws.sagemaker(target.region)
    description = api.lookup("DescribePipeline", PipelineName=target.name)
    if description is None:
        return Live(None)
    tags = api.paginate("ListTags", "Tags", ResourceArn=description["PipelineArn"])
    recent: tuple[dict[str, object], ...] = ()
    if executions:
        page = api.call(
            "ListPipelineExecutions",
            PipelineName=target.name,
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=RECENT_EXECUTIONS,
        )
        recent = tuple(page.get("PipelineExecutionSummaries", []))
    return Live(description, {t["Key"]: t.get("Value", "") for t in tags}, recent)

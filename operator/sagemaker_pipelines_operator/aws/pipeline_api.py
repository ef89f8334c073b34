"""The SageMaker seam of the Pipeline path: one Protocol for every call a Pipeline makes, the boto3
adapter behind it, and what "not found" means for each call, decided here once (decision 0041):

- a read where absence is an answer returns it: `describe` None, `listed` None, `executions` [];
- a clean-up where absence is the goal met succeeds: `delete`, `stop_execution` (False);
- a write to a pipeline that vanished between our read and the write raises Waiting
  (PipelineMissing, look again in a second): the next pass reads again and plans afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.aws import pipelines as sm
from sagemaker_pipelines_operator.aws.pipeline_listing import PipelineListing
from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi
from sagemaker_pipelines_operator.errors import NotFound, Waiting
from sagemaker_pipelines_operator.reconcile.execution import Execution, execution_from_summary
from sagemaker_pipelines_operator.reconcile.live_pipeline import LivePipeline, live_pipeline

VANISHED_RETRY = 1.0
"""Seconds before a pass whose write found the pipeline gone looks again."""

T = TypeVar("T")


class PipelinesApi(Protocol):
    """SageMaker pipelines in one (region, role). Failures raise the error taxonomy (errors.py);
    NotFound never leaves this seam."""

    def describe(self, name: str) -> LivePipeline | None:
        """DescribePipeline and its ListTags; None when there is no such pipeline."""

    def listed(self, name: str) -> Mapping[str, Any] | None:
        """The pipeline's ListPipelines summary from a listing shared by every Pipeline (at most
        half a resync interval old); None when it is not listed."""

    def create(self, request: Mapping[str, Any]) -> str:
        """CreatePipeline (idempotent by its ClientRequestToken); the pipeline's ARN."""

    def update(self, request: Mapping[str, Any]) -> int | None:
        """UpdatePipeline; the new PipelineVersionId. Waiting when the pipeline vanished."""

    def add_tags(self, request: Mapping[str, Any]) -> None:
        """AddTags; Waiting when the pipeline vanished."""

    def delete_tags(self, request: Mapping[str, Any]) -> None:
        """DeleteTags; Waiting when the pipeline vanished."""

    def latest_version_id(self, name: str) -> int | None:
        """The newest PipelineVersionId; None where the endpoint does not list versions.
        Waiting when the pipeline vanished."""

    def version_aliases(self, name: str) -> dict[int, list[str]]:
        """Every version with its aliases; Waiting when the pipeline vanished."""

    def update_version(self, request: Mapping[str, Any]) -> None:
        """UpdatePipelineVersion (aliases, display name, description); Waiting when it vanished."""

    def executions(self, name: str) -> list[Execution]:
        """ListPipelineExecutions, every page; [] when the pipeline does not exist."""

    def stop_execution(self, arn: str, token: str) -> bool:
        """StopPipelineExecution; False when the execution is gone (finished and cleaned up)."""

    def delete(self, name: str, token: str) -> None:
        """DeletePipeline; a pipeline already gone is deleted."""


PipelinesFor = Callable[[str | None, str | None], PipelinesApi]
"""(region, role ARN) → the pipelines seam for them."""


def vanished(error: NotFound) -> Waiting:
    """A write that found its pipeline gone: read again shortly (it was deleted behind our back)."""
    return Waiting(c.PIPELINE_DELETED_IN_SAGEMAKER, f"{error.message}; looking again", delay=VANISHED_RETRY)


class SageMakerPipelines:
    """`PipelinesApi` through `SageMakerApi` (the shared rate budget, metrics, classification)."""

    def __init__(self, api: SageMakerApi, listing: PipelineListing) -> None:
        self._api = api
        self._listing = listing

    def describe(self, name: str) -> LivePipeline | None:
        description = sm.describe_pipeline(self._api, name)
        if description is None:
            return None
        tags = sm.list_tags(self._api, str(description["PipelineArn"]))
        return None if tags is None else live_pipeline(description, tags)  # None: deleted in between

    def listed(self, name: str) -> Mapping[str, Any] | None:
        return self._listing.summary(self._api, name)

    def create(self, request: Mapping[str, Any]) -> str:
        return _written(lambda: sm.create_pipeline(self._api, request))

    def update(self, request: Mapping[str, Any]) -> int | None:
        return _written(lambda: sm.update_pipeline(self._api, request))

    def add_tags(self, request: Mapping[str, Any]) -> None:
        _written(lambda: sm.add_tags(self._api, request))

    def delete_tags(self, request: Mapping[str, Any]) -> None:
        _written(lambda: sm.delete_tags(self._api, request))

    def latest_version_id(self, name: str) -> int | None:
        return _written(lambda: sm.latest_version_id(self._api, name))

    def version_aliases(self, name: str) -> dict[int, list[str]]:
        return _written(lambda: sm.version_aliases(self._api, name))

    def update_version(self, request: Mapping[str, Any]) -> None:
        _written(lambda: sm.update_pipeline_version(self._api, request))

    def executions(self, name: str) -> list[Execution]:
        return [execution_from_summary(x) for x in sm.list_pipeline_executions(self._api, name) or []]

    def stop_execution(self, arn: str, token: str) -> bool:
        return sm.stop_pipeline_execution(self._api, arn, token)

    def delete(self, name: str, token: str) -> None:
        sm.delete_pipeline(self._api, name, token)


def _written(call: Callable[[], T]) -> T:
    try:
        return call()
    except NotFound as exc:
        raise vanished(exc) from exc

"""The Pipeline path's SageMaker seam decides what "not found" means, once per call: an answer for
reads, success for clean-ups, Waiting (look again shortly) for writes. Other errors pass through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.aws.pipeline_api import SageMakerPipelines
from sagemaker_pipelines_operator.aws.pipeline_listing import PipelineListing
from sagemaker_pipelines_operator.errors import NotFound, Transient, Waiting
from sagemaker_pipelines_operator.reconcile.execution import Execution

ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn"


class StubApi:
    """SageMakerApi at its call/paginate/lookup seam: operations in `missing` raise NotFound (as
    classify_aws_error makes of ResourceNotFound) or, through a lookup, answer None; those in
    `failing` raise a Transient."""

    region = "us-east-1"
    role_arn = None

    def __init__(self, missing: frozenset[str] = frozenset(), failing: frozenset[str] = frozenset()) -> None:
        self.missing, self.failing = missing, failing

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation in self.missing:
            raise NotFound(c.AWS_REJECTED, f"{operation}: ResourceNotFound: churn")
        if operation in self.failing:
            raise Transient(c.AWS_UNAVAILABLE, f"{operation}: ThrottlingException")
        return {"PipelineArn": ARN, "PipelineName": "churn", "PipelineVersionId": 2}

    def lookup(self, operation: str, **params: Any) -> dict[str, Any] | None:
        try:
            return self.call(operation, **params)
        except NotFound:
            return None

    def lookup_pages(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]] | None:
        try:
            return self.paginate(operation, key, **params)
        except NotFound:
            return None

    def paginate(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        page = self.call(operation, **params)
        if operation == "ListTags":
            return [{"Key": "team", "Value": "a"}]
        if operation == "ListPipelineExecutions":
            return [{"PipelineExecutionArn": f"{ARN}/execution/x", "PipelineExecutionStatus": "Executing"}]
        return [page]


def seam(api: StubApi) -> SageMakerPipelines:
    return SageMakerPipelines(api, PipelineListing(max_age=60))  # type: ignore[arg-type]


Call = Callable[[SageMakerPipelines], object]
WRITES: list[tuple[str, str, Call]] = [
    ("UpdatePipeline", "update", lambda s: s.update({"PipelineName": "churn"})),
    ("AddTags", "add_tags", lambda s: s.add_tags({"ResourceArn": ARN, "Tags": []})),
    ("DeleteTags", "delete_tags", lambda s: s.delete_tags({"ResourceArn": ARN, "TagKeys": ["a"]})),
    ("ListPipelineVersions", "latest_version_id", lambda s: s.latest_version_id("churn")),
    ("ListPipelineVersions", "version_aliases", lambda s: s.version_aliases("churn")),
    ("UpdatePipelineVersion", "update_version", lambda s: s.update_version({"PipelineArn": ARN})),
    ("CreatePipeline", "create", lambda s: s.create({"PipelineName": "churn"})),
]


@pytest.mark.parametrize(("operation", "call"), [pytest.param(o, f, id=i) for o, i, f in WRITES])
def test_a_write_to_a_vanished_pipeline_waits_briefly(operation: str, call: Call) -> None:
    with pytest.raises(Waiting) as raised:
        call(seam(StubApi(missing=frozenset({operation}))))
    assert raised.value.reason == c.PIPELINE_DELETED_IN_SAGEMAKER
    assert raised.value.delay == 1.0
    assert raised.value.message == f"{operation}: ResourceNotFound: churn; looking again"


@pytest.mark.parametrize(("operation", "call"), [pytest.param(o, f, id=i) for o, i, f in WRITES])
def test_other_failures_of_a_write_pass_through(operation: str, call: Call) -> None:
    with pytest.raises(Transient):
        call(seam(StubApi(failing=frozenset({operation}))))


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        pytest.param("DescribePipeline", lambda s: s.describe("churn"), id="describe"),
        pytest.param("ListTags", lambda s: s.describe("churn"), id="tags"),
        pytest.param("ListPipelineExecutions", lambda s: s.executions("churn"), id="executions"),
        pytest.param("StopPipelineExecution", lambda s: s.stop_execution(ARN, "t"), id="stop"),
        pytest.param("DeletePipeline", lambda s: s.delete("churn", "t"), id="delete"),
    ],
)
def test_other_failures_of_a_read_or_clean_up_pass_through(operation: str, call: Call) -> None:
    with pytest.raises(Transient):
        call(seam(StubApi(failing=frozenset({operation}))))


@pytest.mark.parametrize(
    ("missing", "call", "answer"),
    [
        pytest.param("DescribePipeline", lambda s: s.describe("churn"), None, id="describe-absent"),
        pytest.param("ListTags", lambda s: s.describe("churn"), None, id="deleted-before-its-tags"),
        pytest.param("ListPipelineExecutions", lambda s: s.executions("churn"), [], id="no-executions"),
        pytest.param("StopPipelineExecution", lambda s: s.stop_execution(ARN, "t"), False, id="stop-gone"),
        pytest.param("DeletePipeline", lambda s: s.delete("churn", "t"), None, id="delete-gone-is-done"),
    ],
)
def test_absence_is_an_answer_for_reads_and_clean_ups(missing: str, call: Call, answer: object) -> None:
    assert call(seam(StubApi(missing=frozenset({missing})))) == answer


def test_describe_reads_the_pipeline_and_its_tags() -> None:
    live = seam(StubApi()).describe("churn")
    assert live is not None and live.arn == ARN and live.tags == {"team": "a"}
    assert seam(StubApi()).stop_execution(ARN, "t") is True


def test_executions_are_parsed_once_at_the_seam() -> None:
    assert seam(StubApi()).executions("churn") == [Execution(f"{ARN}/execution/x", "Executing")]

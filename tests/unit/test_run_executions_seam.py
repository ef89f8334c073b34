"""The run path's SageMaker seam answers "not there" with a value: a missing execution or pipeline is
None from the reads (Describe, the listings, on any page), while the writes (start, stop, retry)
raise NotFound, a Stalled refusal. Other errors pass through as the taxonomy's. Driven through the
real `SageMakerApi` and a botocore Stubber on its client, so the lookups and classification are
the shipped ones. Executions come back parsed, once, into `Execution`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from sagemaker_pipelines_operator.aws.calls import SAGEMAKER, measured_lookup
from sagemaker_pipelines_operator.aws.errors import is_not_found
from sagemaker_pipelines_operator.aws.ratelimit import RateBudget
from sagemaker_pipelines_operator.aws.run_executions import SageMakerExecutions
from sagemaker_pipelines_operator.aws.sagemaker import SageMakerApi
from sagemaker_pipelines_operator.aws.sessions import ClientFactory
from sagemaker_pipelines_operator.errors import NotFound, Stalled, Transient
from sagemaker_pipelines_operator.reconcile.execution import (
    Execution,
    execution_from_description,
    execution_from_summary,
)

REGION = "us-east-1"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn/execution/abc123"
GONE_EXECUTION = f"Pipeline execution '{ARN}' does not exist."


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SageMakerExecutions, Stubber]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    factory = ClientFactory(REGION)
    api = SageMakerApi(factory, RateBudget(1000.0, 1000), REGION, None)
    with Stubber(factory.client("sagemaker", REGION)) as stubber:
        yield SageMakerExecutions(api), stubber
        stubber.assert_no_pending_responses()


def summary(n: int) -> dict[str, Any]:
    return {"PipelineExecutionArn": f"{ARN}{n}", "PipelineExecutionStatus": "Executing"}


def test_a_described_execution_that_does_not_exist_is_none(stubbed: Any) -> None:
    seam, stub = stubbed
    stub.add_client_error("describe_pipeline_execution", "ResourceNotFound", GONE_EXECUTION)
    assert seam.describe(ARN) is None


def test_a_listing_of_a_missing_pipeline_is_none(stubbed: Any) -> None:
    seam, stub = stubbed
    moto_says = "Could not find pipeline with PipelineName churn."
    stub.add_client_error("list_pipeline_executions", "ValidationException", moto_says)
    assert seam.listing("churn", None) is None


def test_a_pipeline_deleted_between_two_pages_is_none(stubbed: Any) -> None:
    seam, stub = stubbed
    first = {"PipelineExecutionSummaries": [summary(1)], "NextToken": "page-2"}
    stub.add_response("list_pipeline_executions", first)
    stub.add_client_error("list_pipeline_executions", "ResourceNotFound", "Pipeline churn does not exist.")
    assert seam.listing("churn", None) is None


def test_every_page_of_steps_is_read(stubbed: Any) -> None:
    seam, stub = stubbed
    step = {"StepName": "Train", "StepStatus": "Executing"}
    stub.add_response("list_pipeline_execution_steps", {"PipelineExecutionSteps": [step], "NextToken": "t"})
    stub.add_response(
        "list_pipeline_execution_steps", {"PipelineExecutionSteps": [step | {"StepName": "Eval"}]}
    )
    assert [s["StepName"] for s in seam.steps(ARN)] == ["Train", "Eval"]


def test_steps_of_a_missing_execution_are_none(stubbed: Any) -> None:
    seam, stub = stubbed
    stub.add_client_error("list_pipeline_execution_steps", "ValidationException", GONE_EXECUTION)
    assert seam.steps(ARN) is None


Write = Callable[[SageMakerExecutions], object]
WRITES: list[tuple[str, Write]] = [
    ("stop_pipeline_execution", lambda s: s.stop(ARN, "t" * 32)),
    ("retry_pipeline_execution", lambda s: s.retry(ARN, "t" * 32, None)),
    (
        "start_pipeline_execution",
        lambda s: s.start({"PipelineName": "churn", "ClientRequestToken": "t" * 32}),
    ),
]


@pytest.mark.parametrize(("method", "write"), [pytest.param(m, w, id=m) for m, w in WRITES])
def test_a_write_to_a_missing_resource_is_a_refusal(stubbed: Any, method: str, write: Write) -> None:
    seam, stub = stubbed
    stub.add_client_error(method, "ResourceNotFound", "Pipeline churn does not exist.")
    with pytest.raises(Stalled) as raised:
        write(seam)
    assert isinstance(raised.value, NotFound)


def test_a_lookup_passes_real_errors_on(stubbed: Any) -> None:
    seam, stub = stubbed
    stub.add_client_error("describe_pipeline_execution", "AccessDeniedException", "no", http_status_code=400)
    with pytest.raises(Stalled) as raised:
        seam.describe(ARN)
    assert not isinstance(raised.value, NotFound)
    assert "AccessDeniedException" in raised.value.message


def client_error(code: str, message: str, status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "DescribePipelineExecution")


@pytest.mark.parametrize(
    ("exc", "absent"),
    [
        pytest.param(client_error("ResourceNotFound", "gone"), True, id="resource-not-found"),
        pytest.param(client_error("NoSuchKey", "The specified key does not exist."), True, id="s3-key"),
        pytest.param(client_error("NoSuchBucket", "The bucket does not exist"), True, id="s3-bucket"),
        pytest.param(client_error("ValidationException", GONE_EXECUTION), True, id="sagemaker-validation"),
        pytest.param(client_error("ValidationException", "Could not find pipeline x."), True, id="moto"),
        pytest.param(client_error("ValidationException", "bad role"), False, id="validation"),
        pytest.param(client_error("ThrottlingException", "slow down"), False, id="throttle"),
        pytest.param(KeyError("bug"), False, id="not-an-aws-error"),
    ],
)
def test_is_not_found(exc: BaseException, absent: bool) -> None:
    assert is_not_found(exc) is absent


def raising(exc: BaseException) -> Callable[[], dict[str, Any]]:
    def call() -> dict[str, Any]:
        raise exc

    return call


@pytest.mark.parametrize(
    ("exc", "raised"),
    [
        pytest.param(client_error("ResourceNotFound", "gone"), None, id="absent-is-none"),
        pytest.param(client_error("ThrottlingException", "slow down"), Transient, id="throttle-raises"),
        pytest.param(client_error("ValidationException", "bad role"), Stalled, id="invalid-raises"),
    ],
)
def test_measured_lookup(exc: BaseException, raised: type[Exception] | None) -> None:
    if raised is None:
        assert measured_lookup(SAGEMAKER, "DescribePipelineExecution", raising(exc)) is None
        return
    with pytest.raises(raised):
        measured_lookup(SAGEMAKER, "DescribePipelineExecution", raising(exc))


STARTED = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def test_a_listing_is_parsed_once_into_executions(stubbed: Any) -> None:
    seam, stub = stubbed
    failed = summary(2) | {"PipelineExecutionStatus": "Failed", "PipelineExecutionFailureReason": "boom"}
    page = {"PipelineExecutionSummaries": [summary(1) | {"StartTime": STARTED}, failed]}
    stub.add_response("list_pipeline_executions", page)
    assert seam.listing("churn", None) == [
        Execution(f"{ARN}1", "Executing", STARTED),
        Execution(f"{ARN}2", "Failed", failure_reason="boom"),
    ]


def test_a_description_is_parsed_once_into_an_execution(stubbed: Any) -> None:
    seam, stub = stubbed
    described = {
        "PipelineExecutionArn": ARN,
        "PipelineExecutionStatus": "Failed",
        "CreationTime": STARTED,
        "FailureReason": "step Train failed",
    }
    stub.add_response("describe_pipeline_execution", described)
    assert seam.describe(ARN) == Execution(ARN, "Failed", STARTED, "step Train failed")


@pytest.mark.parametrize(
    ("answer", "parse", "expected"),
    [
        pytest.param(
            {"PipelineExecutionArn": ARN, "PipelineExecutionStatus": "Executing", "StartTime": STARTED},
            execution_from_summary,
            Execution(ARN, "Executing", STARTED),
            id="summary",
        ),
        pytest.param(
            {"PipelineExecutionArn": ARN, "PipelineExecutionFailureReason": ""},
            execution_from_summary,
            Execution(ARN, None),
            id="summary-without-status-or-reason",
        ),
        pytest.param(
            {"PipelineExecutionStatus": "Stopped", "CreationTime": STARTED},
            lambda d: execution_from_description(ARN, d),
            Execution(ARN, "Stopped", STARTED),
            id="description-names-the-asked-arn",
        ),
        pytest.param(
            {"PipelineExecutionStatus": "Failed", "FailureReason": "boom", "StartTime": STARTED},
            lambda d: execution_from_description(ARN, d),
            Execution(ARN, "Failed", None, "boom"),
            id="description-starts-at-creation-time",
        ),
    ],
)
def test_execution_parsing(
    answer: dict[str, Any], parse: Callable[[dict[str, Any]], Execution], expected: Execution
) -> None:
    assert parse(answer) == expected

"""botocore errors map onto the taxonomy in one place (aws/errors.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from sagemaker_pipelines_operator.aws.errors import classify_aws_error, is_unimplemented, outcome_label
from sagemaker_pipelines_operator.errors import NotFound, Stalled, Transient


def client_error(code: str, message: str = "msg", status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "DescribePipeline",
    )


@pytest.mark.parametrize(
    ("exc", "kind", "label"),
    [
        pytest.param(
            client_error("ThrottlingException", "Rate exceeded"), Transient, "throttled", id="throttle"
        ),
        pytest.param(client_error("InternalFailure", status=500), Transient, "server_error", id="5xx"),
        pytest.param(client_error("ResourceLimitExceeded"), Transient, "client_error", id="quota"),
        pytest.param(client_error("ConflictException"), Transient, "client_error", id="conflict"),
        pytest.param(client_error("ResourceNotFound"), NotFound, "client_error", id="not-found"),
        pytest.param(
            client_error("ValidationException", "Pipeline execution arn:x does not exist"),
            NotFound,
            "client_error",
            id="validation-not-found",
        ),
        pytest.param(
            client_error("ValidationException", "Could not find pipeline with PipelineName churn."),
            NotFound,
            "client_error",
            id="moto-localstack-not-found",
        ),
        pytest.param(
            client_error("ValidationException", "Could not find execution 'arn:x'."),
            NotFound,
            "client_error",
            id="moto-execution-not-found",
        ),
        pytest.param(
            client_error("ValidationException", "bad role"), Stalled, "client_error", id="validation"
        ),
        pytest.param(
            client_error("ValidationException", "Role arn:x: we could not find a trust policy for it"),
            Stalled,
            "client_error",
            id="validation-mentioning-could-not-find",
        ),
        pytest.param(
            client_error("ValidationException", "Step 'Train' refers to a step that doesn't exist yet"),
            Stalled,
            "client_error",
            id="validation-near-miss",
        ),
        pytest.param(client_error("AccessDeniedException"), Stalled, "client_error", id="access-denied"),
        pytest.param(
            EndpointConnectionError(endpoint_url="http://x"), Transient, "network_error", id="network"
        ),
        pytest.param(NoCredentialsError(), Stalled, "network_error", id="no-credentials"),
    ],
)
def test_classification(exc: Exception, kind: type, label: str) -> None:
    error = classify_aws_error(exc, "DescribePipeline")
    assert type(error) is kind
    assert error.message.startswith("DescribePipeline")
    assert outcome_label(exc) == label


def test_throttle_message_keeps_aws_text() -> None:
    error = classify_aws_error(client_error("ThrottlingException", "Rate exceeded"), "ListPipelines")
    assert "ThrottlingException: Rate exceeded" in error.message


def test_unknown_exceptions_are_not_swallowed() -> None:
    with pytest.raises(KeyError):
        classify_aws_error(KeyError("bug"), "DescribePipeline")


@pytest.mark.parametrize(
    ("exc", "unimplemented"),
    [
        pytest.param(client_error("500", "Internal Server Error", status=500), True, id="moto-bare-500"),
        pytest.param(
            client_error("InternalFailure", "API action 'X' not yet implemented", status=501),
            True,
            id="localstack-501",
        ),
        pytest.param(client_error("InternalFailure", status=500), False, id="sagemaker-5xx-is-transient"),
        pytest.param(client_error("502", "Bad Gateway", status=502), False, id="proxy-502-is-transient"),
        pytest.param(client_error("ValidationException"), False, id="validation"),
        pytest.param(EndpointConnectionError(endpoint_url="http://x"), False, id="network"),
    ],
)
def test_unimplemented_operations_are_told_apart_from_failures(exc: Exception, unimplemented: bool) -> None:
    assert is_unimplemented(exc) is unimplemented

"""OperatorContext's Kubernetes client: one pooled connection per thread that may hold one at
once, whoever touches the client first (the cluster preflight does, before any handler module
registers)."""

from __future__ import annotations

from typing import Any

import kubernetes
import pytest

from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.settings import SPARE_CONNECTIONS, OperatorSettings


@pytest.mark.parametrize(
    ("workers", "configured", "expected"),
    [
        (20, None, 20 + SPARE_CONNECTIONS),
        (4, 1, 4 + SPARE_CONNECTIONS),
        (20, 100, 100),
    ],
    ids=["default-workers", "few-workers", "larger-pool-kept"],
)
def test_the_pool_holds_a_connection_per_thread(workers: int, configured: int | None, expected: int) -> None:
    config = kubernetes.client.Configuration(host="https://127.0.0.1:1")
    if configured is None:  # the client's default: 5 per core
        expected = max(expected, config.connection_pool_maxsize)
    else:
        config.connection_pool_maxsize = configured
    aws: Any = None
    ctx = OperatorContext(settings=OperatorSettings(max_workers=workers), aws=aws, kube_config=config)
    pool = ctx.api_client.rest_client.pool_manager.connection_pool_kw["maxsize"]
    assert pool == expected


@pytest.mark.parametrize("workers", [20, 4], ids=["default-workers", "few-workers"])
def test_boto3_clients_hold_as_many_connections(workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's default pool is 10: the handler threads and pollers beyond it each opened and
    dropped a connection to SageMaker per call."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings = OperatorSettings(max_workers=workers)
    aws = AwsAccess("us-east-1", settings.aws_tps, settings.aws_burst, settings.connections)
    for service in ("sagemaker", "sqs"):
        assert aws.factory.client(service).meta.config.max_pool_connections == workers + SPARE_CONNECTIONS

"""ClientFactory: clients cached per (service, region, role), and every session sharing one parsed
copy of botocore's models (a session of its own used to cost ~20 MiB per namespace role)."""

from __future__ import annotations

import tracemalloc

import pytest

from sagemaker_pipelines_operator.aws.sessions import ClientFactory

ROLES = [f"arn:aws:iam::123456789012:role/tenant-{i}" for i in range(3)]


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_clients_are_cached_per_service_region_and_role() -> None:
    factory = ClientFactory("us-east-1")
    first = factory.client("sagemaker")
    assert factory.client("sagemaker", "us-east-1") is first
    assert factory.client("sagemaker", "eu-west-1") is not first
    assert factory.client("sagemaker", "eu-west-1").meta.region_name == "eu-west-1"
    assert factory.client("sagemaker", None, ROLES[0]) is not first
    assert factory.client("sagemaker", None, ROLES[0]) is factory.client("sagemaker", "us-east-1", ROLES[0])


def test_more_roles_and_regions_do_not_parse_the_models_again() -> None:
    factory = ClientFactory("us-east-1")
    factory.client("sagemaker")
    factory.client("sqs")
    tracemalloc.start()
    try:
        for role in ROLES:
            factory.client("sagemaker", None, role)
            factory.client("sagemaker", "eu-west-1", role)
            factory.client("sqs", None, role)
        grown, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Nine more clients over three more sessions: ~5 MiB; a session that parses the models on its
    # own costs ~15 MiB, so less than 12 MiB in all means none did (it was 123 MiB).
    assert grown < 12 * 1024 * 1024, f"{grown / 2**20:.1f} MiB for nine clients"

"""The shared ListPipelines listing: one listing per (region, role) per max age, reused by all."""

from __future__ import annotations

import threading
from typing import Any

from sagemaker_pipelines_operator.aws.pipeline_listing import PipelineListing


class FakeApi:
    """Stands in for SageMakerApi at its paginate seam (the integration tests use the emulator)."""

    def __init__(self, region: str, names: list[str], role_arn: str | None = None) -> None:
        self.region = region
        self.role_arn = role_arn
        self.names = names
        self.calls = 0

    def paginate(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        assert (operation, key) == ("ListPipelines", "PipelineSummaries")
        self.calls += 1
        return [{"PipelineName": n, "LastModifiedTime": self.calls} for n in self.names]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_listing_serves_every_pipeline_until_it_is_too_old() -> None:
    clock = Clock()
    listing = PipelineListing(max_age=10, clock=clock)
    api = FakeApi("us-east-1", ["Churn", "fraud"])
    assert listing.summary(api, "churn") == {"PipelineName": "Churn", "LastModifiedTime": 1}  # type: ignore[arg-type]
    assert listing.summary(api, "fraud") is not None  # type: ignore[arg-type]
    assert listing.summary(api, "absent") is None  # type: ignore[arg-type]
    assert api.calls == 1
    clock.now = 10
    assert listing.summary(api, "churn")["LastModifiedTime"] == 2  # type: ignore[arg-type,index]
    assert api.calls == 2


def test_listings_are_kept_per_region_and_role() -> None:
    listing = PipelineListing(max_age=60, clock=Clock())
    east, west = FakeApi("us-east-1", ["a"]), FakeApi("eu-west-1", ["b"])
    tenant = FakeApi("us-east-1", ["c"], role_arn="arn:aws:iam::111122223333:role/t")
    assert listing.summary(east, "a") is not None  # type: ignore[arg-type]
    assert listing.summary(west, "a") is None  # type: ignore[arg-type]
    assert listing.summary(tenant, "c") is not None  # type: ignore[arg-type]
    assert (east.calls, west.calls, tenant.calls) == (1, 1, 1)


def test_concurrent_checks_share_one_listing() -> None:
    listing = PipelineListing(max_age=60, clock=Clock())
    api = FakeApi("us-east-1", ["a"])
    threads = [threading.Thread(target=listing.summary, args=(api, "a")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert api.calls == 1

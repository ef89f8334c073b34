"""The shared AWS rate budget: a token bucket per region."""

from __future__ import annotations

import pytest

from sagemaker_pipelines_operator.aws.ratelimit import RateBudget, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_burst_then_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.try_acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_acquire() == pytest.approx(0.5)
    waited = sum(bucket.acquire(sleep=clock.sleep) for _ in range(4))
    assert waited == pytest.approx(2.0)  # 4 calls at 2/s after the burst is spent


def test_tokens_never_exceed_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10.0, burst=2, clock=clock)
    clock.now = 1000.0
    assert [bucket.try_acquire() for _ in range(2)] == [0.0, 0.0]
    assert bucket.try_acquire() > 0


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_invalid_budget_is_rejected(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate must be"):
        TokenBucket(rate, burst)


def test_budget_is_per_region_and_shared() -> None:
    budget = RateBudget(5, 5)
    assert budget.bucket("us-east-1") is budget.bucket("us-east-1")
    assert budget.bucket("us-east-1") is not budget.bucket("eu-west-1")

"""One AWS rate budget for the whole operator: a token bucket per region, shared by all threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Allows `rate` calls per second with bursts of `burst`; `acquire` blocks until allowed."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def try_acquire(self) -> float:
        """Take a token if one is there (returns 0.0), else return the seconds to wait."""
        with self._lock:
            self._refill()
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> float:
        """Block until a token is taken; returns the seconds waited."""
        waited = 0.0
        while (delay := self.try_acquire()) > 0:
            sleep(delay)
            waited += delay
        return waited


class RateBudget:
    """Token buckets by region, created on first use with the same rate and burst."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, region: str) -> TokenBucket:
        with self._lock:
            if region not in self._buckets:
                self._buckets[region] = TokenBucket(self.rate, self.burst)
            return self._buckets[region]

"""Retry delays that grow with the attempt: a blip is retried in seconds, a lasting outage rarely."""

from __future__ import annotations


def backoff_delay(attempt: int, *, first: float = 1.0, cap: float = 60.0) -> float:
    """`first` seconds before the first retry (attempt 0), doubling each time, at most `cap`."""
    return min(cap, first * 2.0 ** max(attempt, 0))

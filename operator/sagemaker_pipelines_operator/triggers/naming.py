"""Run names derived from events: the same event (or debounce window) always names the same run,
so a redelivered message or a restarted operator finds the run instead of creating a second one."""

from __future__ import annotations

import hashlib
from datetime import datetime

RUN_NAME_MAX = 63
"""A DNS-1123 label: names stay usable as label values and in hostnames."""
HASH_LENGTH = 16
"""Hex digits of sha256 (64 bits): a collision among a trigger's events is not a practical concern."""


def event_key(event_id: str, time: datetime | None, window_seconds: int | None) -> str:
    """What names the run: the event itself, or its debounce window. Windows are aligned to the Unix
    epoch by the event's own time, so every copy of an event lands in the same window."""
    if window_seconds is None or time is None:
        return f"event:{event_id}"
    return f"window:{window_seconds}:{int(time.timestamp()) // window_seconds}"


def run_name(trigger_name: str, trigger_uid: str, key: str) -> str:
    """`<trigger name, shortened>-<hash of trigger uid and key>`: valid DNS-1123, at most 63."""
    digest = hashlib.sha256(f"{trigger_uid}\n{key}".encode()).hexdigest()[:HASH_LENGTH]
    prefix = trigger_name[: RUN_NAME_MAX - HASH_LENGTH - 1].rstrip("-.")
    prefix = prefix.replace(".", "-")
    return f"{prefix}-{digest}" if prefix else f"t-{digest}"

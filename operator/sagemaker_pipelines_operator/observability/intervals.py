"""The per-pipeline expected success interval: the Pipeline annotation
`sagemaker.pipelines.dev/expected-success-interval` (a duration such as 6h, 1d or 1h30m), parsed
and exported as smpo_pipeline_expected_success_interval_seconds for the NoRecentSuccess alert."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.metrics import PIPELINE_EXPECTED_INTERVAL

EXPECTED_INTERVAL_ANNOTATION = f"{GROUP}/expected-success-interval"

# Go's time.ParseDuration units plus d and w (as in Prometheus), which schedules are written in.
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w)")


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration: one or more `<number><unit>` parts, e.g. `1d12h`, `90m`,
    `1.5h`. Units: ns us ms s m h d w. Raises ValueError for anything else, zero or negative."""
    value = text.strip()
    if not value:
        raise ValueError("empty duration")
    position, total = 0, 0.0
    while position < len(value):
        match = _PART.match(value, position)
        if match is None:
            raise ValueError(f"invalid duration {text!r}: expected parts like 6h, 1d or 1h30m")
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if total <= 0:
        raise ValueError(f"invalid duration {text!r}: must be greater than zero")
    return total


def expected_interval(annotations: Mapping[str, str] | None) -> float | None:
    """The annotation's interval in seconds; None when absent. Raises ValueError when invalid."""
    raw = (annotations or {}).get(EXPECTED_INTERVAL_ANNOTATION)
    if raw is None:
        return None
    try:
        return parse_duration(raw)
    except ValueError as exc:
        raise ValueError(f"annotation {EXPECTED_INTERVAL_ANNOTATION}: {exc}") from None


def export_expected_interval(
    namespace: str, pipeline: str, annotations: Mapping[str, str] | None
) -> str | None:
    """Set (or clear, when absent or invalid) the pipeline's expected-interval gauge from its
    annotations. Returns the problem with the annotation, for a Warning Event, or None."""
    problem: str | None = None
    try:
        seconds = expected_interval(annotations)
    except ValueError as exc:
        seconds, problem = None, str(exc)
    if seconds is None:
        with contextlib.suppress(KeyError):
            PIPELINE_EXPECTED_INTERVAL.remove(namespace, pipeline)
    else:
        PIPELINE_EXPECTED_INTERVAL.labels(namespace=namespace, pipeline=pipeline).set(seconds)
    return problem

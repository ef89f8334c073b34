"""Step caching as SageMaker does it: a step with `CacheConfig: {Enabled: true, ExpireAfter}` whose
resolved arguments equal those of a succeeded run of the same step in another execution of the
same pipeline, within ExpireAfter (an ISO 8601 duration), is not run: it succeeds at once and
shows `CacheHitResult.SourcePipelineExecutionArn`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sagemaker_pipelines_emulator.evaluation import EvaluationError, Evaluator

if TYPE_CHECKING:
    from sagemaker_pipelines_emulator.plan import StepSpec
    from sagemaker_pipelines_emulator.state import Execution, StepRun

_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
# Years and months as SageMaker can only mean them for an expiry: 365 and 30 days.
_UNIT_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def expire_seconds(text: object) -> float | None:
    """Seconds of an ISO 8601 duration (`P30D`, `PT1H30M`); None for no or an unreadable value."""
    match = _DURATION.match(text) if isinstance(text, str) and text != "P" else None
    if match is None or not any(match.groups()):
        return None
    return sum(float(part) * unit for part, unit in zip(match.groups(), _UNIT_SECONDS, strict=True) if part)


def cache_config(spec: StepSpec) -> Mapping[str, Any] | None:
    config = spec.body.get("CacheConfig")
    return config if isinstance(config, Mapping) and config.get("Enabled") is True else None


def _resolved(evaluator: Evaluator, node: object) -> object:
    if isinstance(node, Mapping):
        if any(key in node for key in ("Get", "Std:Join", "Std:JsonGet")):
            return evaluator.text(evaluator.value(node))
        return {key: _resolved(evaluator, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(evaluator, item) for item in node]
    return node


def cache_key(spec: StepSpec, execution: Execution, now: float) -> str | None:
    """The step's resolved arguments as canonical JSON, when caching is on and they resolve."""
    if cache_config(spec) is None:
        return None
    try:
        arguments = _resolved(Evaluator(execution, now), spec.body.get("Arguments", {}))
    except EvaluationError:
        return None
    return json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)


def cache_hit(spec: StepSpec, execution: Execution, key: str, now: float) -> tuple[Execution, StepRun] | None:
    """The latest succeeded run of this step, elsewhere in the pipeline, with the same key, not expired."""
    config = cache_config(spec) or {}
    horizon = expire_seconds(config.get("ExpireAfter"))
    best: tuple[Execution, StepRun] | None = None
    for other in execution.pipeline.executions.values():
        run = other.runs.get(spec.name)
        if other is execution or run is None or run.status != "Succeeded" or run.cache_key != key:
            continue
        if run.end is None or (horizon is not None and now - run.end > horizon):
            continue
        if best is None or (best[1].end or 0) < run.end:
            best = (other, run)
    return best

"""Filters and parameters of a trigger, evaluated on an event document with JMESPath."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jmespath

from sagemaker_pipelines_operator.api.common import PARAMETER_VALUE_MAX
from sagemaker_pipelines_operator.api.trigger import TriggerFilter
from sagemaker_pipelines_operator.reconcile.envelopes import TriggerEvent


def passes_filter(spec: TriggerFilter, event: TriggerEvent) -> bool:
    """True when the event passes every filter given (no filter: every event passes)."""
    if spec.s3 is not None:
        key = event.s3_key
        if key is None or not key.startswith(spec.s3.prefix) or not key.endswith(spec.s3.suffix):
            return False
    return spec.expression is None or _truthy(jmespath.search(spec.expression, event.document))


def labels_match(selector: Mapping[str, str], labels: Mapping[str, Any]) -> bool:
    """Every selector label present with the same value (an empty selector matches everything)."""
    return all(labels.get(name) == value for name, value in selector.items())


@dataclass(frozen=True)
class ParameterError:
    """An expression produced a value SageMaker would refuse."""

    message: str


def extract_parameters(
    expressions: Mapping[str, str], document: Mapping[str, Any]
) -> dict[str, str] | ParameterError:
    """Parameter values from the event: strings as they are, numbers and booleans as JSON, objects
    and lists as compact JSON; an expression without a result (null) sets nothing."""
    values: dict[str, str] = {}
    for name, expression in expressions.items():
        result = jmespath.search(expression, document)
        if result is None:
            continue
        text = result if isinstance(result, str) else json.dumps(result, separators=(",", ":"))
        if len(text) > PARAMETER_VALUE_MAX:
            return ParameterError(
                f"parameter '{name}' from {expression!r} is {len(text)} characters "
                f"(SageMaker allows {PARAMETER_VALUE_MAX})"
            )
        values[name] = text
    return values


def _truthy(value: Any) -> bool:
    # JMESPath's own truthiness: false, null, "", [] and {} are false; 0 is true.
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | dict) and len(value) == 0)

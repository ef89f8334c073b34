"""definition_diff: a unified diff of two definitions as pretty, key-sorted JSON (empty when equal)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_operator.definition.canonical import canonical_json, pretty_json
from sagemaker_pipelines_operator.definition.parse import parse_definition


def _as_object(definition: object) -> object:
    if isinstance(definition, (str, bytes, bytearray)):
        return parse_definition(bytes(definition) if not isinstance(definition, str) else definition)
    return definition


def _lines(definition: object) -> list[str]:
    if definition is None:
        return []
    return [line + "\n" for line in pretty_json(definition).splitlines()]


def definition_diff(
    old: Mapping[str, Any] | str | bytes | None,
    new: Mapping[str, Any] | str | bytes | None,
    old_label: str = "live",
    new_label: str = "desired",
) -> str:
    """Unified diff from `old` to `new`; text is parsed first, None stands for "no definition"."""
    before, after = _as_object(old), _as_object(new)
    if before is not None and after is not None and canonical_json(before) == canonical_json(after):
        return ""
    if before is None and after is None:
        return ""
    return "".join(difflib.unified_diff(_lines(before), _lines(after), fromfile=old_label, tofile=new_label))

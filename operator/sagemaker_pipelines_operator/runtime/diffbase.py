"""kopf's diff base (the last handled spec, kept in an annotation) with inline definitions
replaced by their digest, so a large definition is not stored a second time in annotations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import kopf

from sagemaker_pipelines_operator.definition import definition_hash

DIGEST_KEY = "sha256"
"""What stands for `spec.definition.inline` in the diff base: `{"sha256": <definition_hash>}`."""


class DigestingDiffBaseStorage(kopf.AnnotationsDiffBaseStorage):
    """AnnotationsDiffBaseStorage whose essence holds a digest of an inline definition.

    Kubernetes allows 256 KiB for all annotations of an object together; kopf's default essence
    copies the whole spec into one of them, so a Pipeline with an inline definition of more than
    about 250 KB could never be patched again (HTTP 422, retried by kopf forever, no status).
    A digest still changes with every change of the definition, which is all kopf's `field="spec"`
    update handlers need; they read the definition itself from the body."""

    def build(self, *, body: kopf.Body, extra_fields: Iterable[Any] | None = None) -> kopf.BodyEssence:
        essence = super().build(body=body, extra_fields=extra_fields)
        return digest_inline_definition(essence)


def digest_inline_definition(essence: kopf.BodyEssence) -> kopf.BodyEssence:
    """`essence` with `spec.definition.inline` replaced by its digest (unchanged if it has none)."""
    spec: Any = essence.get("spec")
    source = spec.get("definition") if isinstance(spec, dict) else None
    if not isinstance(source, dict) or "inline" not in source:
        return essence
    source["inline"] = {DIGEST_KEY: definition_hash(source["inline"])}
    return essence

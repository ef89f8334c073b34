"""The periodic drift check, cheap first: one shared ListPipelines listing tells whether a pipeline
was modified (or deleted) since status last saw it; only then is it described and reconciled. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.pipelines.plan.pipeline import Recorded

# Stalls that the world, not the spec, can end: re-checked at every resync.
RECHECKED_STALLS = frozenset({c.NAMESPACE_NOT_ALLOWED})


class ResyncAction(StrEnum):
    SKIP = "skip"
    """Nothing to check: never applied, or stalled until the spec changes."""
    CONFIRM = "confirm"
    """Listing shows no modification since status last looked: only lastSyncTime moves."""
    RECONCILE = "reconcile"
    """Modified, vanished or the source moved: describe and reconcile fully."""


def resync_precheck(
    recorded: Recorded, *, stalled_reason: str | None, in_progress: bool
) -> ResyncAction | None:
    """What to do without asking SageMaker, or None to consult the listing."""
    if stalled_reason is not None:
        return ResyncAction.RECONCILE if stalled_reason in RECHECKED_STALLS else ResyncAction.SKIP
    if in_progress or recorded.arn is None:
        return ResyncAction.SKIP  # the change handlers (and their retries) own it
    return None


def resync_action(
    recorded: Recorded, summary: Mapping[str, Any] | None, *, source_moved: bool = False
) -> ResyncAction:
    """Decide from the pipeline's ListPipelines entry (None: not listed, so maybe deleted)."""
    if summary is None or source_moved:
        return ResyncAction.RECONCILE
    listed: datetime | None = summary.get("LastModifiedTime")
    if recorded.last_modified is None or listed != recorded.last_modified:
        return ResyncAction.RECONCILE
    return ResyncAction.CONFIRM

"""Posting Kubernetes Events, the one way every kind does it, from any thread (kopf.event works only
inside kopf's handler context, and the run poller and schedule daemons post outside it)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sagemaker_pipelines_operator import API_VERSION
from sagemaker_pipelines_operator.reconcile.verdict import Event
from sagemaker_pipelines_operator.runtime.context import OperatorContext

COMPONENT = "sagemaker-pipelines-operator"
_MESSAGE_MAX = 1024
log = logging.getLogger(__name__)


def post_events(
    ctx: OperatorContext, kind: str, metadata: Mapping[str, Any], events: Iterable[Event]
) -> None:
    """Post each Event about the object; a failure to post is logged, never raised (Events are
    best-effort in Kubernetes too)."""
    for event in events:
        try:
            ctx.core.create_namespaced_event(metadata["namespace"], event_body(kind, metadata, event))
        except Exception as exc:  # the status write already happened; an Event is a courtesy
            log.warning(
                "could not post Event %s for %s/%s: %s", event.reason, kind, metadata.get("name"), exc
            )


def event_body(kind: str, metadata: Mapping[str, Any], event: Event) -> dict[str, Any]:
    """The core/v1 Event about the object `metadata` names (namespace, name, uid)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "metadata": {"generateName": f"{metadata['name']}.", "namespace": metadata["namespace"]},
        "involvedObject": {
            "apiVersion": API_VERSION,
            "kind": kind,
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata.get("uid"),
        },
        "type": event.type,
        "reason": event.reason,
        "message": event.message[:_MESSAGE_MAX],
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": socket.gethostname()[:128],
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }

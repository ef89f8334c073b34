"""The body of a Kubernetes Event about one of our objects (posted by `runtime/kube`, the one way
every kind posts, from any thread: kopf.event works only inside kopf's handler context, and the run
poller and schedule daemons post outside it)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sagemaker_pipelines_operator import API_VERSION
from sagemaker_pipelines_operator.reconcile.verdict import Event

COMPONENT = "sagemaker-pipelines-operator"
_MESSAGE_MAX = 1024
log = logging.getLogger(__name__)


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

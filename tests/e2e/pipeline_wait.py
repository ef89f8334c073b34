"""Waiting on the operator in end-to-end tests: a Pipeline Ready for its current generation.
Not a test module."""

from __future__ import annotations

import time
from typing import Any

from kubernetes import client

GROUP, VERSION = "sagemaker.pipelines.dev", "v1alpha1"


def get_pipeline(kube_api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    api = client.CustomObjectsApi(kube_api)
    body: dict[str, Any] = api.get_namespaced_custom_object(GROUP, VERSION, namespace, "pipelines", name)
    return body


def wait_ready(
    kube_api: client.ApiClient, namespace: str, name: str, timeout: float = 60.0
) -> dict[str, Any]:
    """The Pipeline once Ready=True was written for its current generation; fails with its status."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = get_pipeline(kube_api, namespace, name)
        status = body.get("status", {})
        ready = next((c for c in status.get("conditions", []) if c["type"] == "Ready"), None)
        generation = body["metadata"].get("generation")
        if ready and ready["status"] == "True" and ready.get("observedGeneration") == generation:
            return body
        time.sleep(0.2)
    raise AssertionError(f"Pipeline {namespace}/{name} not Ready within {timeout}s: {body.get('status')}")

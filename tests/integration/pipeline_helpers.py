"""Helpers for the Pipeline integration tests: manifests, reads of the resource and its Events,
waiting for conditions, and the emulator's per-operation call counts. Not a test module."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY
from tests.fixtures.operator import check_operators_alive

GROUP, VERSION, PLURAL = "sagemaker.pipelines.dev", "v1alpha1", "pipelines"
ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
WRITES = (
    "CreatePipeline",
    "UpdatePipeline",
    "DeletePipeline",
    "AddTags",
    "DeleteTags",
    "StopPipelineExecution",
    "StartPipelineExecution",
)
DEFINITION: dict[str, Any] = {
    "Version": "2020-12-01",
    "Parameters": [
        {"Name": "Epochs", "Type": "Integer", "DefaultValue": 3},
        {"Name": "InputUrl", "Type": "String"},
    ],
    "Steps": [
        {
            "Name": "Train",
            "Type": "Training",
            "Arguments": {"HyperParameters": {"epochs": {"Get": "Parameters.Epochs"}}},
        }
    ],
}


def definition(epochs: int = 3) -> dict[str, Any]:
    """The test definition with another Epochs default (a real definition change)."""
    changed = copy.deepcopy(DEFINITION)
    changed["Parameters"][0]["DefaultValue"] = epochs
    return changed


def pipeline_manifest(name: str, **spec: Any) -> dict[str, Any]:
    spec.setdefault("roleArn", ROLE)
    spec.setdefault("definition", {"inline": DEFINITION})
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Pipeline", "metadata": {"name": name}, "spec": spec}


def owner(namespace: str, name: str, cluster: str = "default") -> str:
    return f"{cluster}/{namespace}/{name}"


class Pipelines:
    """Pipeline resources of one namespace through the admin API client."""

    def __init__(self, api: client.ApiClient, namespace: str) -> None:
        self.api = api
        self.namespace = namespace
        self.custom = client.CustomObjectsApi(api)
        self.core = client.CoreV1Api(api)

    def create(self, name: str, **spec: Any) -> dict[str, Any]:
        body = pipeline_manifest(name, **spec)
        return self.custom.create_namespaced_custom_object(  # type: ignore[no-any-return]
            GROUP, VERSION, self.namespace, PLURAL, body
        )

    def get(self, name: str) -> dict[str, Any]:
        return self.custom.get_namespaced_custom_object(  # type: ignore[no-any-return]
            GROUP, VERSION, self.namespace, PLURAL, name
        )

    def exists(self, name: str) -> bool:
        try:
            self.get(name)
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def patch_spec(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return self.custom.patch_namespaced_custom_object(  # type: ignore[no-any-return]
            GROUP, VERSION, self.namespace, PLURAL, name, {"spec": spec}
        )

    def delete(self, name: str) -> None:
        self.custom.delete_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, name)

    def condition(self, name: str, type_: str) -> dict[str, Any] | None:
        conditions = (self.get(name).get("status") or {}).get("conditions") or []
        return next((x for x in conditions if x["type"] == type_), None)

    def wait_condition(
        self,
        name: str,
        type_: str,
        status: str,
        reason: str | None = None,
        *,
        generation: int | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        """The resource once condition `type_` has `status` (and `reason`, and observedGeneration)."""

        def check() -> dict[str, Any] | None:
            obj = self.get(name)
            status_ = obj.get("status") or {}
            found = next((x for x in status_.get("conditions") or [] if x["type"] == type_), None)
            if found is None or found["status"] != status or (reason and found["reason"] != reason):
                return None
            if generation is not None and status_.get("observedGeneration") != generation:
                return None
            return obj

        return wait_for(check, timeout, f"{name}: {type_}={status} {reason or ''}", lambda: self.get(name))

    def events(self, name: str) -> list[Any]:
        items = self.core.list_namespaced_event(
            self.namespace, field_selector=f"involvedObject.name={name},involvedObject.kind=Pipeline"
        ).items
        return sorted(items, key=lambda e: (e.first_timestamp or e.event_time or 0, e.metadata.name))

    def event_reasons(self, name: str) -> list[str]:
        return [e.reason for e in self.events(name)]

    def wait_event(self, name: str, reason: str, timeout: float = 30.0) -> Any:
        return wait_for(
            lambda: next((e for e in self.events(name) if e.reason == reason), None),
            timeout,
            f"Event {reason} for {name}",
            lambda: self.event_reasons(name),
        )


def wait_for(
    check: Callable[[], Any],
    timeout: float = 30.0,
    what: str = "condition",
    state: Callable[[], Any] | None = None,
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        check_operators_alive()
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            shown = f"; last state: {state()}" if state else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{shown}")
        time.sleep(0.1)


def calls(emulator: Any, *operations: str) -> dict[str, int]:
    """Calls per operation so far (all operations when none are named)."""
    counted = {name: entry["calls"] for name, entry in emulator.counters()["operations"].items()}
    if not operations:
        return counted
    return {name: counted.get(name, 0) for name in operations}


def writes(emulator: Any) -> dict[str, int]:
    """Write calls so far, by operation, leaving out those never made."""
    return {name: count for name, count in calls(emulator, *WRITES).items() if count}


def writes_between(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Write calls made between two `calls()` snapshots."""
    deltas = {op: after.get(op, 0) - before.get(op, 0) for op in WRITES}
    return {op: delta for op, delta in deltas.items() if delta}


def live_tags(sagemaker_client: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sagemaker_client.list_tags(ResourceArn=arn)["Tags"]}


__all__ = ["OWNER_TAG_KEY"]

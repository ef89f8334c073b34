"""`KubeObjects` held in memory, for fast tests of the reconcilers (as httpx's MockTransport
serves httpx): objects by (plural, namespace, name), the Events posted, and errors to inject."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any

from sagemaker_pipelines_operator.errors import ReconcileError
from sagemaker_pipelines_operator.reconcile.verdict import Event
from sagemaker_pipelines_operator.runtime.kube import Created, ObjectRef

Key = tuple[str, str, str]
"""(plural, namespace, name)."""


@dataclass(frozen=True)
class PostedEvent:
    kind: str
    ref: ObjectRef
    event: Event


@dataclass
class InMemoryObjects:
    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    events: list[PostedEvent] = field(default_factory=list)
    fail_next: dict[str, ReconcileError] = field(default_factory=dict)
    """Operation name (get, list_namespaced, create, patch, delete, patch_status) → the error its next
    call raises."""
    status_writes: int = 0
    _uids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def get(self, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        self._maybe_fail("get")
        found = self.objects.get((plural, namespace, name))
        return copy.deepcopy(found) if found is not None else None

    def list_namespaced(
        self, plural: str, namespace: str, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        self._maybe_fail("list_namespaced")
        wanted = dict(part.split("=", 1) for part in label_selector.split(",")) if label_selector else {}
        found = [body for (kind, ns, _), body in self.objects.items() if (kind, ns) == (plural, namespace)]
        labelled = [b for b in found if wanted.items() <= (b["metadata"].get("labels") or {}).items()]
        return copy.deepcopy(labelled)

    def patch(self, plural: str, ref: ObjectRef, patch: dict[str, Any]) -> bool:
        self._maybe_fail("patch")
        found = self.objects.get((plural, ref.namespace, ref.name))
        if found is None:
            return False
        for section, fields in patch.items():  # a merge patch, two levels deep (spec, metadata)
            target = found.setdefault(section, {})
            target.update(copy.deepcopy(fields))
        return True

    def create(self, plural: str, namespace: str, body: dict[str, Any]) -> Created:
        self._maybe_fail("create")
        metadata = body.setdefault("metadata", {})
        key = (plural, namespace, str(metadata["name"]))
        new = key not in self.objects
        if new:
            metadata.setdefault("uid", f"uid-{next(self._uids)}")
            metadata.update(namespace=namespace, generation=metadata.get("generation", 1))
            self.objects[key] = copy.deepcopy(body)
        return Created(copy.deepcopy(self.objects[key]), new)

    def delete(self, plural: str, ref: ObjectRef) -> bool:
        self._maybe_fail("delete")
        key = (plural, ref.namespace, ref.name)
        found = self.objects.get(key)
        if found is None or (ref.uid is not None and found["metadata"].get("uid") != ref.uid):
            return False
        del self.objects[key]
        return True

    def patch_status(self, plural: str, ref: ObjectRef, patch: dict[str, Any]) -> bool:
        self._maybe_fail("patch_status")
        found = self.objects.get((plural, ref.namespace, ref.name))
        if found is None:
            return False
        status = found.setdefault("status", {})
        for key, value in patch.get("status", {}).items():  # a merge patch, one level deep
            if value is None:
                status.pop(key, None)
            else:
                status[key] = copy.deepcopy(value)
        self.status_writes += 1
        return True

    def post_event(self, kind: str, ref: ObjectRef, event: Event) -> None:
        self.events.append(PostedEvent(kind, ref, event))

    def _maybe_fail(self, operation: str) -> None:
        error = self.fail_next.pop(operation, None)
        if error is not None:
            raise error

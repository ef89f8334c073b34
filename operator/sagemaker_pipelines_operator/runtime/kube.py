"""The typed Kubernetes seam for custom objects: get, create idempotently, delete with a UID
precondition, patch status, post an Event (and the ConfigMap read of a definition source). Which
statuses are tolerated and how failures are classified is decided here once; "not there" is a
return value (None, False), never an error."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kubernetes.client.exceptions import ApiException
from pydantic import BaseModel

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api.common import dump
from sagemaker_pipelines_operator.api.metadata import ObjectRef
from sagemaker_pipelines_operator.reconcile.verdict import Event
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.events import event_body
from sagemaker_pipelines_operator.runtime.kube_errors import classify_kube_error

__all__ = [
    "ApiServerObjects",
    "ConfigMapData",
    "Created",
    "KubeObjects",
    "ObjectRef",
    "post_events",
    "status_patch",
]
log = logging.getLogger(__name__)
_GONE = 404
_CONFLICT = 409


def status_patch(before: BaseModel, after: BaseModel) -> dict[str, Any]:
    """A merge patch from `before` to `after`: cleared fields are sent as null (merge patch
    deletes them), lists are replaced whole."""
    new, old = dump(after), dump(before)
    return {"status": {**{key: None for key in old if key not in new}, **new}}


@dataclass(frozen=True)
class Created:
    """What `KubeObjects.create` found: the object, and whether this call created it."""

    body: dict[str, Any]
    new: bool
    """False when the name was taken: `body` is the object that holds it."""


class KubeObjects(Protocol):
    """What the reconcilers do to custom objects of this operator's group."""

    def get(self, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The object, or None when it does not exist."""

    def list_namespaced(
        self, plural: str, namespace: str, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        """The objects in `namespace` (matching `label_selector`)."""

    def create(self, plural: str, namespace: str, body: dict[str, Any]) -> Created:
        """Create the object; if its name is taken, the object that holds it."""

    def patch(self, plural: str, ref: ObjectRef, patch: dict[str, Any]) -> bool:
        """Merge-patch the object (not its status); False when it is gone."""

    def delete(self, plural: str, ref: ObjectRef) -> bool:
        """Delete `ref` (only that UID when given); False when it is gone or the name is another's."""

    def patch_status(self, plural: str, ref: ObjectRef, patch: dict[str, Any]) -> bool:
        """Merge-patch the status subresource; False when the object is gone."""

    def post_event(self, kind: str, ref: ObjectRef, event: Event) -> None:
        """Post an Event about `ref`; best effort: a failure is logged, never raised."""


@dataclass(frozen=True)
class ConfigMapData:
    """A ConfigMap's keys: text (`data`) and decoded binary (`binaryData`) values."""

    data: Mapping[str, str] = field(default_factory=dict)
    binary_data: Mapping[str, bytes] = field(default_factory=dict)

    def value(self, key: str) -> str | bytes | None:
        """The key's value, text first; None when neither holds it."""
        return self.data[key] if key in self.data else self.binary_data.get(key)

    def keys(self) -> list[str]:
        return sorted({*self.data, *self.binary_data})


class ApiServerObjects:
    """`KubeObjects` through the operator's kubernetes client (CustomObjectsApi, CoreV1Api),
    created on first use: the client's connection pool is sized when the handlers register."""

    def __init__(self, ctx: OperatorContext) -> None:
        self._ctx = ctx

    @property
    def _custom(self) -> Any:
        return self._ctx.custom_objects

    @property
    def _core(self) -> Any:
        return self._ctx.core

    def get(self, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            body: dict[str, Any] = self._custom.get_namespaced_custom_object(
                GROUP, VERSION, namespace, plural, name
            )
            return body
        except Exception as exc:
            _tolerate(exc, f"{plural} {namespace}/{name}", _GONE)
            return None

    def config_map(self, namespace: str, name: str) -> ConfigMapData | None:
        """A ConfigMap of the core API (a Pipeline's definition source); None when it does not exist."""
        try:
            found = self._core.read_namespaced_config_map(name, namespace)
        except Exception as exc:
            _tolerate(exc, f"configMap {namespace}/{name}", _GONE)
            return None
        binary = {k: base64.b64decode(v) for k, v in (found.binary_data or {}).items()}
        return ConfigMapData(dict(found.data or {}), binary)

    def namespace_annotations(self, namespace: str) -> dict[str, str]:
        """A namespace's annotations (its tenancy settings); a missing namespace is an error."""
        try:
            body: Any = self._core.read_namespace(namespace)
        except Exception as exc:
            raise classify_kube_error(exc, f"namespace {namespace}") from exc
        return dict(body.metadata.annotations or {})

    def secret_data(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """A Secret's decoded data (a trigger's token); None when it does not exist."""
        try:
            found = self._core.read_namespaced_secret(name, namespace)
        except Exception as exc:
            _tolerate(exc, f"Secret {namespace}/{name}", _GONE)
            return None
        return {k: base64.b64decode(v) for k, v in (found.data or {}).items()}

    def list_namespaced(
        self, plural: str, namespace: str, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        selector = {"label_selector": label_selector} if label_selector else {}
        try:
            listing = self._custom.list_namespaced_custom_object(
                GROUP, VERSION, namespace, plural, **selector
            )
        except Exception as exc:
            raise classify_kube_error(exc, f"{plural} in {namespace}") from exc
        items: list[dict[str, Any]] = listing.get("items", [])
        return items

    def patch(self, plural: str, ref: ObjectRef, patch: dict[str, Any]) -> bool:
        try:
            self._custom.patch_namespaced_custom_object(
                GROUP, VERSION, ref.namespace, plural, ref.name, patch
            )
            return True
        except Exception as exc:
            _tolerate(exc, f"{plural} {ref}", _GONE)
            return False

    def create(self, plural: str, namespace: str, body: dict[str, Any]) -> Created:
        name = str(body.get("metadata", {}).get("name"))
        try:
            created: dict[str, Any] = self._custom.create_namespaced_custom_object(
                GROUP, VERSION, namespace, plural, body
            )
            return Created(created, new=True)
        except Exception as exc:
            _tolerate(exc, f"{plural} {namespace}/{name}", _CONFLICT)
        existing = self.get(plural, namespace, name)
        if existing is None:  # created and deleted between the two calls: try once more later
            raise classify_kube_error(ApiException(status=_CONFLICT), f"{plural} {namespace}/{name}")
        return Created(existing, new=False)

    def delete(self, plural: str, ref: ObjectRef) -> bool:
        body = {"preconditions": {"uid": ref.uid}} if ref.uid else None
        try:
            self._custom.delete_namespaced_custom_object(
                GROUP, VERSION, ref.namespace, plural, ref.name, body=body
            )
            return True
        except Exception as exc:
            # 404: gone already; 409: the name now belongs to a newer object, not ours to delete.
            _tolerate(exc, f"{plural} {ref}", _GONE, _CONFLICT)
            return False

    def patch_status(self, plural: str, ref: ObjectRef, patch: dict[str, Any]) -> bool:
        try:
            self._custom.patch_namespaced_custom_object_status(
                GROUP, VERSION, ref.namespace, plural, ref.name, patch
            )
            return True
        except Exception as exc:
            _tolerate(exc, f"{plural} {ref} status", _GONE)
            return False

    def post_event(self, kind: str, ref: ObjectRef, event: Event) -> None:
        metadata = {"namespace": ref.namespace, "name": ref.name, "uid": ref.uid}
        try:
            self._core.create_namespaced_event(ref.namespace, event_body(kind, metadata, event))
        except Exception as exc:  # the status write already happened; an Event is a courtesy
            log.warning("could not post Event %s for %s %s: %s", event.reason, kind, ref, exc)


def post_events(
    ctx: OperatorContext, kind: str, metadata: Mapping[str, Any], events: Iterable[Event]
) -> None:
    """Post each Event about the object `metadata` names; a failure to post is logged, never
    raised (Events are best-effort in Kubernetes too)."""
    seam = ApiServerObjects(ctx)
    for event in events:
        seam.post_event(kind, ObjectRef.of(metadata), event)


def _tolerate(exc: Exception, what: str, *statuses: int) -> None:
    """Return when `exc` is an API answer with one of `statuses`; else raise its taxonomy error."""
    if isinstance(exc, ApiException) and exc.status in statuses:
        return
    raise classify_kube_error(exc, what) from exc

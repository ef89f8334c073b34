"""Typed object metadata: `ObjectMeta`, built once from a body's `metadata`, and `ObjectRef`, which
object a Kubernetes call is about. The models keep `metadata` as a dict (the CRDs leave it to the
API server); reconcilers read it through these instead of subscripts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ObjectRef:
    """Which object: namespace and name, and its UID when the call must hit that very object."""

    namespace: str
    name: str
    uid: str | None = None

    @classmethod
    def of(cls, metadata: Mapping[str, Any]) -> ObjectRef:
        uid = metadata.get("uid")
        return cls(str(metadata["namespace"]), str(metadata["name"]), str(uid) if uid else None)

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class OwnerReference:
    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool = False


@dataclass(frozen=True)
class ObjectMeta:
    """What a reconciler reads of an object's metadata."""

    name: str
    namespace: str
    uid: str | None = None
    generation: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    owner_references: tuple[OwnerReference, ...] = ()
    deletion_timestamp: datetime | None = None

    @classmethod
    def of(cls, metadata: Mapping[str, Any]) -> ObjectMeta:
        """From a body's `metadata` (as the API server or kopf hands it over)."""
        uid, generation = metadata.get("uid"), metadata.get("generation")
        deleted = metadata.get("deletionTimestamp")
        return cls(
            name=str(metadata["name"]),
            namespace=str(metadata["namespace"]),
            uid=str(uid) if uid else None,
            generation=int(generation) if generation is not None else None,
            labels=dict(metadata.get("labels") or {}),
            annotations=dict(metadata.get("annotations") or {}),
            owner_references=tuple(_owner(x) for x in metadata.get("ownerReferences") or ()),
            deletion_timestamp=_timestamp(deleted) if deleted else None,
        )

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.namespace, self.name, self.uid)

    @property
    def deleting(self) -> bool:
        return self.deletion_timestamp is not None

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


def _owner(reference: Mapping[str, Any]) -> OwnerReference:
    return OwnerReference(
        api_version=str(reference.get("apiVersion", "")),
        kind=str(reference.get("kind", "")),
        name=str(reference.get("name", "")),
        uid=str(reference.get("uid", "")),
        controller=bool(reference.get("controller", False)),
    )


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))

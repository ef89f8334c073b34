"""ObjectMeta: an object's metadata read once into typed fields, as the reconcilers use it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.metadata import ObjectMeta, ObjectRef, OwnerReference
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun

FULL: dict[str, Any] = {
    "name": "nightly",
    "namespace": "ml",
    "uid": "u-1",
    "generation": 3,
    "labels": {"app": "churn"},
    "annotations": {"note": "x"},
    "ownerReferences": [
        {"apiVersion": "sagemaker.pipelines.dev/v1alpha1", "kind": "Pipeline", "name": "churn", "uid": "p-1"}
    ],
    "deletionTimestamp": "2026-03-01T12:00:00Z",
}


def test_every_field_is_read_and_typed() -> None:
    meta = ObjectMeta.of(FULL)
    assert meta == ObjectMeta(
        name="nightly",
        namespace="ml",
        uid="u-1",
        generation=3,
        labels={"app": "churn"},
        annotations={"note": "x"},
        owner_references=(OwnerReference("sagemaker.pipelines.dev/v1alpha1", "Pipeline", "churn", "p-1"),),
        deletion_timestamp=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    assert meta.deleting
    assert meta.ref == ObjectRef("ml", "nightly", "u-1")


@pytest.mark.parametrize(
    ("metadata", "uid", "generation", "deleting"),
    [
        pytest.param({"name": "a", "namespace": "n"}, None, None, False, id="bare"),
        pytest.param(
            {"name": "a", "namespace": "n", "uid": "", "generation": "2"}, None, 2, False, id="strings"
        ),
        pytest.param(
            {"name": "a", "namespace": "n", "labels": None, "deletionTimestamp": None},
            None,
            None,
            False,
            id="nulls",
        ),
    ],
)
def test_missing_fields_are_absent_not_errors(
    metadata: dict[str, Any], uid: str | None, generation: int | None, deleting: bool
) -> None:
    meta = ObjectMeta.of(metadata)
    assert (meta.uid, meta.generation, meta.deleting, dict(meta.labels)) == (uid, generation, deleting, {})


def test_a_name_and_namespace_are_required() -> None:
    with pytest.raises(KeyError):
        ObjectMeta.of({"name": "a"})


def test_models_give_their_metadata_typed() -> None:
    run = PipelineRun.model_validate({"metadata": FULL, "spec": {"pipelineName": "train"}})
    assert run.meta.ref == ObjectRef("ml", "nightly", "u-1")
    assert run.meta.generation == 3
    moved = run.model_copy(update={"metadata": {**FULL, "generation": 4}})
    assert moved.meta.generation == 4  # read from the metadata it has now, never cached

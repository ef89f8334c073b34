"""kopf's diff base keeps a digest of an inline definition, not the definition itself."""

from __future__ import annotations

import json
from typing import Any

import kopf
import pytest

from sagemaker_pipelines_operator.definition import definition_hash
from sagemaker_pipelines_operator.runtime.diffbase import DigestingDiffBaseStorage, digest_inline_definition

BIG = {
    "Version": "2020-12-01",
    "Steps": [{"Name": "S", "Type": "Processing", "Arguments": {"Blob": "x" * 400_000}}],
}


@pytest.mark.parametrize(
    ("essence", "expected"),
    [
        (
            {"spec": {"definition": {"inline": BIG}}},
            {"spec": {"definition": {"inline": {"sha256": definition_hash(BIG)}}}},
        ),
        (
            {"spec": {"definition": {"inline": [1, "x"]}}},
            {"spec": {"definition": {"inline": {"sha256": definition_hash([1, "x"])}}}},
        ),
        (
            {"spec": {"definition": {"s3": {"bucket": "b", "key": "k"}}}},
            {"spec": {"definition": {"s3": {"bucket": "b", "key": "k"}}}},
        ),
        ({"spec": {"definition": "garbage"}}, {"spec": {"definition": "garbage"}}),
        ({"spec": {"pipelineRef": {"name": "p"}}}, {"spec": {"pipelineRef": {"name": "p"}}}),
        ({}, {}),
    ],
    ids=[
        "inline-object",
        "inline-garbage",
        "s3-untouched",
        "definition-not-an-object",
        "other-kind",
        "no-spec",
    ],
)
def test_inline_definitions_become_their_digest(essence: dict[str, Any], expected: dict[str, Any]) -> None:
    assert digest_inline_definition(essence) == expected  # type: ignore[arg-type]


def test_the_stored_essence_is_small_and_still_tells_a_change() -> None:
    storage = DigestingDiffBaseStorage(prefix="sagemaker.pipelines.dev", key="last-handled-configuration")
    body = {
        "apiVersion": "v1",
        "kind": "X",
        "metadata": {"name": "n"},
        "spec": {"definition": {"inline": BIG}},
    }
    changed = json.loads(json.dumps(body))
    changed["spec"]["definition"]["inline"]["Steps"][0]["Name"] = "T"
    essence = storage.build(body=kopf.Body(body))
    assert len(json.dumps(essence)) < 200
    assert essence != storage.build(body=kopf.Body(changed))

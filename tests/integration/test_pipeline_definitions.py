"""Definitions through the operator: every realistic mistake stalls before any API call with a
message naming step and field; ConfigMap sources are followed as the ConfigMap changes."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from sagemaker_pipelines_operator.definition import definition_hash
from sagemaker_pipelines_operator.definition.parse import MAX_NESTING_DEPTH
from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.chart import kubectl
from tests.integration.pipeline_helpers import (
    Pipelines,
    calls,
    definition,
    pipeline_manifest,
    wait_for,
    writes,
)
from tests.unit.test_definition_validate import BASE, MISTAKES

STALL_WATCH_SECONDS = 5.0
"""Longer than two resync intervals of the test operator (2 s): time enough for a wrongful retry."""


def test_each_bad_definition_stalls_with_a_precise_message_before_any_api_call(
    pipelines: Pipelines, operator: Any, emulator: Any
) -> None:
    assert len(MISTAKES) >= 15
    for name, mutation, _ in MISTAKES:
        broken = copy.deepcopy(BASE)
        mutation(broken)
        pipelines.create(name, definition={"inline": broken})
    for name, _, expected in MISTAKES:
        obj = pipelines.wait_condition(name, "Stalled", "True", "InvalidDefinition", generation=1)
        ready = next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "False"
        assert ready["message"].startswith(
            "invalid pipeline definition from spec.definition.inline (1 problem): "
        )
        assert ready["message"].endswith(expected), name
        warning = pipelines.wait_event(name, "InvalidDefinition")
        assert warning.type == "Warning"
        assert expected in warning.message
    assert calls(emulator) == {}


def test_invalid_definition_is_not_retried_until_the_spec_changes(
    pipelines: Pipelines, operator: Any, emulator: Any
) -> None:
    broken = definition()
    broken["Steps"][0]["DependsOn"] = ["Prep"]
    pipelines.create("churn", definition={"inline": broken})
    stalled = pipelines.wait_condition("churn", "Stalled", "True", "InvalidDefinition", generation=1)
    message = "step 'Train': DependsOn[0]: no step named 'Prep'"
    assert message in next(c for c in stalled["status"]["conditions"] if c["type"] == "Ready")["message"]
    time.sleep(STALL_WATCH_SECONDS)
    assert pipelines.get("churn")["status"]["conditions"] == stalled["status"]["conditions"]
    assert pipelines.event_reasons("churn").count("InvalidDefinition") == 1
    assert calls(emulator) == {}
    pipelines.patch_spec("churn", {"definition": {"inline": definition()}})
    pipelines.wait_condition("churn", "Ready", "True", "Reconciled", generation=2)
    assert writes(emulator) == {"CreatePipeline": 1}


def configmap(name: str, data: dict[str, str]) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data=data)


def test_configmap_definition_is_applied_and_followed_as_it_changes(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any, namespace: str
) -> None:
    core = pipelines.core
    pipelines.create(
        "churn", definition={"configMapRef": {"name": "churn-definition", "key": "pipeline.yaml"}}
    )
    waiting = pipelines.wait_condition("churn", "Reconciling", "True", "DefinitionSourceNotFound")
    assert "configMap churn-definition not found" in waiting["status"]["conditions"][0]["message"]

    core.create_namespaced_config_map(
        namespace, configmap("churn-definition", {"pipeline.yaml": yaml.safe_dump(definition(epochs=3))})
    )
    ready = pipelines.wait_condition("churn", "Ready", "True", "Reconciled")
    assert ready["status"]["pipelineVersionId"] == 1

    core.patch_namespaced_config_map(
        "churn-definition", namespace, {"data": {"pipeline.yaml": yaml.safe_dump(definition(epochs=9))}}
    )
    wait_for(
        lambda: pipelines.get("churn")["status"].get("pipelineVersionId") == 2,
        what="the ConfigMap change to be applied",
        state=lambda: pipelines.get("churn")["status"],
    )
    live = sagemaker_client.describe_pipeline(PipelineName="churn")
    assert '"DefaultValue":9' in live["PipelineDefinition"]

    core.patch_namespaced_config_map(
        "churn-definition", namespace, {"data": {"pipeline.yaml": "Version: '2020-12-01'\nSteps: [\n"}}
    )
    stalled = pipelines.wait_condition("churn", "Stalled", "True", "InvalidDefinition")
    message = next(c for c in stalled["status"]["conditions"] if c["type"] == "Ready")["message"]
    assert message.startswith("invalid pipeline definition from configMap churn-definition key pipeline.yaml")
    assert "not valid YAML" in message

    before = writes(emulator)
    core.patch_namespaced_config_map(
        "churn-definition", namespace, {"data": {"pipeline.yaml": yaml.safe_dump(definition(epochs=9))}}
    )
    pipelines.wait_condition("churn", "Ready", "True", "Reconciled")
    assert writes(emulator) == before  # the fixed ConfigMap holds what SageMaker already has


def test_configmap_without_the_key_waits(pipelines: Pipelines, operator: Any, namespace: str) -> None:
    pipelines.core.create_namespaced_config_map(namespace, configmap("defs", {"other.json": "{}"}))
    pipelines.create("churn", definition={"configMapRef": {"name": "defs", "key": "churn.json"}})
    waiting = pipelines.wait_condition("churn", "Reconciling", "True", "DefinitionSourceNotFound")
    ready = next(c for c in waiting["status"]["conditions"] if c["type"] == "Ready")
    assert ready["message"] == "configMap defs has no key churn.json (keys: other.json)"
    pipelines.core.patch_namespaced_config_map(
        "defs", namespace, {"data": {"churn.json": yaml.safe_dump(definition(), default_flow_style=True)}}
    )
    pipelines.wait_condition("churn", "Ready", "True", "Reconciled")


def put_definition(s3_client: Any, key: str, document: dict[str, Any], **json_options: Any) -> str:
    response = s3_client.put_object(
        Bucket="defs", Key=key, Body=json.dumps(document, **json_options).encode()
    )
    return str(response.get("VersionId", ""))


def test_s3_definition_is_passed_by_location_and_compared_by_content(
    *, moto: str, s3_client: Any, pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    s3_client.create_bucket(Bucket="defs")
    put_definition(s3_client, "churn.json", definition(epochs=3))
    pipelines.create("churn", definition={"s3": {"bucket": "defs", "key": "churn.json"}})
    ready = pipelines.wait_condition("churn", "Ready", "True", "Reconciled", generation=1)
    assert ready["status"]["definitionHash"] == definition_hash(definition(epochs=3))
    created = emulator.calls("CreatePipeline")[0]["request"]
    assert created["PipelineDefinitionS3Location"] == {"Bucket": "defs", "ObjectKey": "churn.json"}
    assert "PipelineDefinition" not in created

    # Same document, other formatting and key order: no change, however often it is checked.
    put_definition(s3_client, "churn.json", definition(epochs=3), indent=4, sort_keys=True)
    time.sleep(STALL_WATCH_SECONDS)
    assert calls(emulator, "UpdatePipeline") == {"UpdatePipeline": 0}

    put_definition(s3_client, "churn.json", definition(epochs=8))
    wait_for(
        lambda: pipelines.get("churn")["status"].get("pipelineVersionId") == 2,
        what="the new S3 object to be applied at resync",
        state=lambda: pipelines.get("churn")["status"],
    )
    updated = emulator.calls("UpdatePipeline")
    assert [u["request"].get("PipelineDefinitionS3Location") for u in updated] == [
        {"Bucket": "defs", "ObjectKey": "churn.json"}
    ]
    live = json.loads(sagemaker_client.describe_pipeline(PipelineName="churn")["PipelineDefinition"])
    assert definition_hash(live) == definition_hash(definition(epochs=8))


def test_s3_definition_pinned_by_version_and_missing_objects_wait(
    moto: str, s3_client: Any, pipelines: Pipelines, operator: Any, sagemaker_client: Any
) -> None:
    s3_client.create_bucket(Bucket="defs")
    s3_client.put_bucket_versioning(Bucket="defs", VersioningConfiguration={"Status": "Enabled"})
    first = put_definition(s3_client, "churn.json", definition(epochs=1))
    put_definition(s3_client, "churn.json", definition(epochs=2))
    pipelines.create("pinned", definition={"s3": {"bucket": "defs", "key": "churn.json", "versionId": first}})
    pipelines.create("missing", definition={"s3": {"bucket": "defs", "key": "absent.json"}})
    pinned = pipelines.wait_condition("pinned", "Ready", "True", "Reconciled")
    assert pinned["status"]["definitionHash"] == definition_hash(definition(epochs=1))
    live = json.loads(sagemaker_client.describe_pipeline(PipelineName="pinned")["PipelineDefinition"])
    assert live == definition(epochs=1)
    waiting = pipelines.wait_condition("missing", "Reconciling", "True", "DefinitionSourceNotFound")
    ready = next(c for c in waiting["status"]["conditions"] if c["type"] == "Ready")
    assert ready["message"].startswith("s3://defs/absent.json: ")


def test_inline_definition_larger_than_the_annotation_limit_is_applied_and_followed(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    """Kubernetes allows 256 KiB of annotations per object; kopf's diff base used to copy the whole
    spec into one, so this Pipeline was never patched (HTTP 422 retried forever, no status)."""
    big = copy.deepcopy(definition())
    big["Steps"][0]["Arguments"] = {"Blob": "x" * 400_000}
    pipelines.create("big", definition={"inline": big})
    obj = pipelines.wait_condition("big", "Ready", "True", generation=1, timeout=60)
    assert obj["status"]["definitionHash"] == definition_hash(big)
    annotations = obj["metadata"].get("annotations") or {}
    assert sum(len(k) + len(v) for k, v in annotations.items()) < 10_000
    big["Steps"][0]["Arguments"]["Blob"] = "y" * 400_000
    pipelines.patch_spec("big", {"definition": {"inline": big}})
    obj = pipelines.wait_condition("big", "Ready", "True", generation=2, timeout=60)
    assert obj["status"]["definitionHash"] == definition_hash(big)
    live = sagemaker_client.describe_pipeline(PipelineName="big")["PipelineDefinition"]
    assert definition_hash(json.loads(live)) == definition_hash(big)


@pytest.mark.parametrize("depth", [900, 9_990], ids=["past-python-recursion", "api-server-maximum"])
def test_definition_nested_too_deep_stalls_and_the_operator_serves_on(
    *, pipelines: Pipelines, operator: Any, emulator: Any, kubeconfig_path: Path, tmp_path: Path, depth: int
) -> None:
    """Sent by kubectl: the Python client cannot even serialise it. At 9,990 levels (the API server
    takes up to 10,000) kopf's watcher used to fail decoding it and the whole operator stopped; at
    900 the handler failed with RecursionError on every retry, without a status."""
    deep = copy.deepcopy(definition())
    deep["Steps"][0]["Arguments"] = {"Deep": "@@deep@@"}
    text = json.dumps(pipeline_manifest("deep", definition={"inline": deep}))
    manifest = tmp_path / "deep.json"
    manifest.write_text(text.replace('"@@deep@@"', "[" * depth + '"bottom"' + "]" * depth))
    kubectl(kubeconfig_path, "-n", pipelines.namespace, "create", "-f", str(manifest))
    obj = pipelines.wait_condition("deep", "Stalled", "True", "InvalidDefinition", generation=1)
    stalled = next(c for c in obj["status"]["conditions"] if c["type"] == "Stalled")
    assert stalled["message"].endswith(
        f"nested more than {MAX_NESTING_DEPTH} levels deep (objects and lists); flatten it"
    )
    assert calls(emulator) == {}
    prove_operator_alive(pipelines.api, pipelines.namespace)

"""A Pipeline reconciled against the emulator: creation with everything the spec sets, exactly one
UpdatePipeline per change, no writes after a restart, tags both ways, kstatus and kubectl."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from sagemaker_pipelines_operator.controlplane.binaries import find_binary
from sagemaker_pipelines_operator.definition import definition_hash
from tests.integration.pipeline_helpers import (
    DEFINITION,
    OWNER_TAG_KEY,
    ROLE,
    Pipelines,
    calls,
    definition,
    live_tags,
    owner,
    wait_for,
    writes,
    writes_between,
)


def kubectl(kubeconfig: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(find_binary("kubectl")), "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_pipeline_is_created_with_every_setting_and_reported_in_status(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any, namespace: str
) -> None:
    pipelines.create(
        "churn",
        pipelineName="churn-training",
        displayName="Churn",
        description="Churn model retraining",
        parallelism={"maxParallelExecutionSteps": 3},
        tags={"team": "risk", "cost-center": "ml"},
    )
    obj = pipelines.wait_condition("churn", "Ready", "True", "Reconciled", generation=1)
    status = obj["status"]
    described = sagemaker_client.describe_pipeline(PipelineName="churn-training")
    assert status["arn"] == described["PipelineArn"]
    assert (status["pipelineName"], status["region"], status["pipelineVersionId"]) == (
        "churn-training",
        "us-east-1",
        1,
    )
    assert status["definitionHash"] == definition_hash(DEFINITION)
    assert definition_hash(json.loads(described["PipelineDefinition"])) == status["definitionHash"]
    assert status["parameters"] == [
        {"name": "Epochs", "type": "Integer", "default": "3"},
        {"name": "InputUrl", "type": "String"},
    ]
    assert status["lastSyncTime"].endswith("Z")
    assert (described["PipelineDisplayName"], described["PipelineDescription"], described["RoleArn"]) == (
        "Churn",
        "Churn model retraining",
        ROLE,
    )
    assert described["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 3}
    assert live_tags(sagemaker_client, status["arn"]) == {
        "team": "risk",
        "cost-center": "ml",
        OWNER_TAG_KEY: owner(namespace, "churn"),
    }
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions == {"Ready": "True", "Reconciling": "False", "Stalled": "False", "Drifted": "False"}
    assert "Created" in pipelines.event_reasons("churn")
    assert calls(emulator, "CreatePipeline") == {"CreatePipeline": 1}


def test_a_change_applied_twice_causes_exactly_one_update(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    pipelines.create("churn")
    pipelines.wait_condition("churn", "Ready", "True", generation=1)
    before = writes(emulator)
    changed = {"definition": {"inline": definition(epochs=7)}, "description": "seven epochs"}
    pipelines.patch_spec("churn", changed)
    pipelines.wait_condition("churn", "Ready", "True", generation=2)
    # The same change again (as `kubectl apply` of an unchanged manifest does) and a no-op patch.
    pipelines.patch_spec("churn", changed)
    pipelines.patch_spec("churn", {"definition": {"inline": json.loads(json.dumps(definition(epochs=7)))}})
    obj = pipelines.wait_condition("churn", "Ready", "True", generation=2)
    after = writes(emulator)
    assert after.get("UpdatePipeline", 0) - before.get("UpdatePipeline", 0) == 1
    assert after.get("CreatePipeline") == before.get("CreatePipeline") == 1
    assert obj["status"]["pipelineVersionId"] == 2
    assert obj["status"]["definitionHash"] == definition_hash(definition(epochs=7))
    live = sagemaker_client.describe_pipeline(PipelineName="churn")
    assert json.loads(live["PipelineDefinition"]) == definition(epochs=7)
    assert live["PipelineDescription"] == "seven epochs"
    assert "Updated" in pipelines.event_reasons("churn")


def test_operator_restart_causes_zero_writes_for_unchanged_pipelines(
    pipelines: Pipelines, start_operator: Any, emulator: Any
) -> None:
    # No resync before the restart: status does not know the pipelines' modification times, so
    # the resume reads each one in full (a settled Pipeline's resume: test_operator_restart.py).
    first = start_operator(resync_seconds=600.0)
    for name in ("churn", "fraud", "recsys"):
        pipelines.create(name, tags={"app": name})
    for name in ("churn", "fraud", "recsys"):
        pipelines.wait_condition(name, "Ready", "True", generation=1)
    first.stop()
    before = calls(emulator)
    start_operator()
    # The resumed operator reads each pipeline (Describe + ListTags) and writes nothing.
    described = before.get("DescribePipeline", 0)
    wait_for(
        lambda: calls(emulator, "DescribePipeline")["DescribePipeline"] >= described + 3,
        what="the resumed operator to describe every pipeline",
    )
    for name in ("churn", "fraud", "recsys"):
        pipelines.wait_condition(name, "Ready", "True", generation=1)
    after = calls(emulator)
    assert writes_between(before, after) == {}


def test_tags_are_synced_both_ways_and_the_owner_tag_kept(
    pipelines: Pipelines, operator: Any, sagemaker_client: Any, namespace: str
) -> None:
    pipelines.create("churn", tags={"team": "risk", "stale": "yes"})
    arn = pipelines.wait_condition("churn", "Ready", "True", generation=1)["status"]["arn"]
    pipelines.patch_spec("churn", {"tags": {"team": "fraud", "stale": None, "new": "1"}})
    pipelines.wait_condition("churn", "Ready", "True", generation=2)
    assert live_tags(sagemaker_client, arn) == {
        "team": "fraud",
        "new": "1",
        OWNER_TAG_KEY: owner(namespace, "churn"),
    }
    assert "TagsSynced" in pipelines.event_reasons("churn")


def test_kubectl_wait_for_ready_and_printer_columns(
    pipelines: Pipelines, operator: Any, kubeconfig_path: Path, namespace: str
) -> None:
    pipelines.create("churn", pipelineName="churn-training")
    waited = kubectl(
        kubeconfig_path, "wait", "-n", namespace, "--for=condition=Ready", "smp/churn", "--timeout=60s"
    )
    assert waited.returncode == 0, waited.stderr
    assert "condition met" in waited.stdout
    table = kubectl(kubeconfig_path, "get", "smp", "churn", "-n", namespace, "--no-headers")
    assert table.returncode == 0, table.stderr
    name, sagemaker_name, version, ready, *_ = table.stdout.split()
    assert (name, sagemaker_name, version, ready) == ("churn", "churn-training", "1", "True")

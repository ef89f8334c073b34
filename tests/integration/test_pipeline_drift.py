"""Changes made in SageMaker behind Git's back, found at the resync interval: corrected under
driftPolicy Correct, reported (and left alone) under Report; deleted pipelines likewise."""

from __future__ import annotations

import json
import time
from typing import Any

from sagemaker_pipelines_operator.definition import definition_hash
from sagemaker_pipelines_operator.metrics import REGISTRY
from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.pipelines import token
from tests.integration.pipeline_helpers import (
    DEFINITION,
    ROLE,
    Pipelines,
    calls,
    definition,
    wait_for,
    writes,
)

QUIET_SECONDS = 5.0
"""Two resync intervals of the test operator and then some: time for a wrongful write to happen."""


def edit_in_console(sagemaker_client: Any, name: str) -> None:
    """What someone with console access does: a new definition and another description."""
    sagemaker_client.update_pipeline(
        PipelineName=name,
        PipelineDefinition=json.dumps(definition(epochs=99)),
        PipelineDescription="hot fix",
    )


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


def drift_metric(namespace: str, name: str) -> float:
    labels = {"namespace": namespace, "pipeline": name}
    return REGISTRY.get_sample_value("smpo_pipeline_drift_total", labels) or 0.0


def test_drift_is_corrected_under_correct(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any, namespace: str
) -> None:
    pipelines.create("churn", description="from git")
    pipelines.wait_condition("churn", "Ready", "True", generation=1)
    edit_in_console(sagemaker_client, "churn")
    pipelines.wait_event("churn", "DriftCorrected")
    obj = wait_for(
        lambda: (o := pipelines.get("churn"))["status"].get("driftCount") == 1 and o,
        what="the drift to be counted",
    )
    drifted = condition(obj, "Drifted")
    assert (drifted["status"], drifted["reason"]) == ("False", "DriftCorrected")
    assert "definition, description" in drifted["message"]
    live = sagemaker_client.describe_pipeline(PipelineName="churn")
    assert definition_hash(json.loads(live["PipelineDefinition"])) == definition_hash(DEFINITION)
    assert live["PipelineDescription"] == "from git"
    assert obj["status"]["pipelineVersionId"] == 3  # 1 ours, 2 the console's, 3 the correction
    # One UpdatePipeline from the console, one from the operator; then quiet.
    time.sleep(QUIET_SECONDS)
    assert calls(emulator, "UpdatePipeline") == {"UpdatePipeline": 2}
    assert pipelines.get("churn")["status"]["driftCount"] == 1
    assert drift_metric(namespace, "churn") == 1
    prove_operator_alive(pipelines.api, namespace)


def test_drift_is_reported_and_left_alone_under_report(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any, namespace: str
) -> None:
    pipelines.create("churn", driftPolicy="Report", description="from git")
    pipelines.wait_condition("churn", "Ready", "True", generation=1)
    edit_in_console(sagemaker_client, "churn")
    obj = pipelines.wait_condition("churn", "Drifted", "True", "DriftDetected")
    assert (
        "live pipeline differs from the spec in: definition, description"
        in condition(obj, "Drifted")["message"]
    )
    ready = condition(obj, "Ready")
    assert ready["status"] == "True"
    assert "driftPolicy: Report" in ready["message"]
    warning = pipelines.wait_event("churn", "DriftDetected")
    assert warning.type == "Warning"
    time.sleep(QUIET_SECONDS)
    # Our CreatePipeline and the console's UpdatePipeline: nothing else.
    assert writes(emulator) == {"CreatePipeline": 1, "UpdatePipeline": 1}
    status = pipelines.get("churn")["status"]
    assert status["driftCount"] == 1  # a standing drift is counted once
    assert drift_metric(namespace, "churn") == 1
    assert status["definitionHash"] == definition_hash(DEFINITION)  # what Git applied, not the live one
    live = sagemaker_client.describe_pipeline(PipelineName="churn")
    assert live["PipelineDescription"] == "hot fix"

    # A change in Git is still applied, and ends the drift.
    pipelines.patch_spec("churn", {"description": "new in git"})
    obj = pipelines.wait_condition("churn", "Drifted", "False", "NoDrift", generation=2)
    assert condition(obj, "Ready")["status"] == "True"
    live = sagemaker_client.describe_pipeline(PipelineName="churn")
    assert (live["PipelineDescription"], json.loads(live["PipelineDefinition"])) == ("new in git", DEFINITION)


def test_pipeline_deleted_behind_our_back_is_recreated_under_correct(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    pipelines.create("churn")
    arn = pipelines.wait_condition("churn", "Ready", "True")["status"]["arn"]
    sagemaker_client.delete_pipeline(PipelineName="churn", ClientRequestToken=token())
    pipelines.wait_event("churn", "PipelineMissing")
    wait_for(
        lambda: calls(emulator, "CreatePipeline")["CreatePipeline"] == 2, what="the pipeline to be recreated"
    )
    # Ready stayed True throughout; the recreation shows in the drift count once its pass is written.
    obj = wait_for(
        lambda: (o := pipelines.get("churn"))["status"].get("driftCount") == 1 and o,
        what="the recreation to be recorded",
    )
    assert obj["status"]["arn"] == arn
    assert next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")["status"] == "True"
    assert sagemaker_client.describe_pipeline(PipelineName="churn")["RoleArn"] == ROLE


def test_pipeline_deleted_behind_our_back_is_reported_under_report(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    pipelines.create("churn", driftPolicy="Report")
    pipelines.wait_condition("churn", "Ready", "True")
    sagemaker_client.delete_pipeline(PipelineName="churn", ClientRequestToken=token())
    obj = pipelines.wait_condition("churn", "Ready", "False", "PipelineMissing")
    assert condition(obj, "Drifted")["status"] == "True"
    assert condition(obj, "Stalled")["status"] == "False"
    assert "was deleted outside Git" in condition(obj, "Ready")["message"]
    time.sleep(QUIET_SECONDS)
    assert calls(emulator, "CreatePipeline") == {"CreatePipeline": 1}
    assert pipelines.event_reasons("churn").count("PipelineMissing") >= 1
    prove_operator_alive(pipelines.api, pipelines.namespace)


def test_resync_lists_once_per_interval_and_describes_only_modified_pipelines(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    names = ("churn", "fraud", "recsys", "ranking")
    for name in names:
        pipelines.create(name)
    for name in names:  # the first resync after a write records LastModifiedTime
        wait_for(
            lambda name=name: (pipelines.get(name).get("status") or {}).get("lastModifiedTime"),
            what=f"{name}'s LastModifiedTime",
        )
    synced = {name: pipelines.get(name)["status"]["lastSyncTime"] for name in names}
    before = calls(emulator, "ListPipelines", "DescribePipeline")
    time.sleep(QUIET_SECONDS)
    after = calls(emulator, "ListPipelines", "DescribePipeline")
    assert after["DescribePipeline"] == before["DescribePipeline"]
    # One listing per half interval serves all four pipelines (2 s interval, 5 s watched).
    assert 1 <= after["ListPipelines"] - before["ListPipelines"] <= 6
    assert all(pipelines.get(n)["status"]["lastSyncTime"] > synced[n] for n in names)

    edit_in_console(sagemaker_client, "fraud")
    pipelines.wait_event("fraud", "DriftCorrected")
    described = calls(emulator, "DescribePipeline")["DescribePipeline"] - after["DescribePipeline"]
    assert 1 <= described <= 3  # the modified one (and its re-read after the correction) only
    assert calls(emulator, "UpdatePipeline") == {"UpdatePipeline": 2}

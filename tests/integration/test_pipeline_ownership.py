"""Ownership by tag: two resources naming one SageMaker pipeline do not fight, an unowned pipeline
is adopted only when asked, and SageMaker's own refusals stall with SageMaker's message."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.pipelines import token
from tests.integration.pipeline_helpers import (
    DEFINITION,
    OWNER_TAG_KEY,
    ROLE,
    Pipelines,
    definition,
    live_tags,
    owner,
    writes,
)

QUIET_SECONDS = 5.0


def ready_message(obj: dict[str, Any]) -> str:
    return str(next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")["message"])


def test_two_resources_naming_the_same_pipeline_do_not_fight(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any, namespace: str
) -> None:
    pipelines.create("first", pipelineName="shared")
    pipelines.wait_condition("first", "Ready", "True", generation=1)
    pipelines.create("second", pipelineName="shared", definition={"inline": definition(epochs=50)})
    pipelines.create("third", pipelineName="shared", adoptionPolicy="Adopt", description="mine")
    for name in ("second", "third"):
        obj = pipelines.wait_condition(name, "Stalled", "True", "OwnedElsewhere", generation=1)
        assert f"is managed by {owner(namespace, 'first')}" in ready_message(obj)
        assert pipelines.wait_event(name, "OwnedElsewhere").type == "Warning"
    time.sleep(QUIET_SECONDS)
    assert writes(emulator) == {"CreatePipeline": 1}
    live = sagemaker_client.describe_pipeline(PipelineName="shared")
    assert json.loads(live["PipelineDefinition"]) == DEFINITION
    assert live_tags(sagemaker_client, live["PipelineArn"])[OWNER_TAG_KEY] == owner(namespace, "first")
    prove_operator_alive(pipelines.api, namespace)

    # Deleting a resource that never owned the pipeline leaves it alone, whatever its policy.
    pipelines.patch_spec("second", {"deletionPolicy": "Delete"})
    pipelines.delete("second")
    pipelines.wait_event("second", "NotDeleted")
    assert sagemaker_client.describe_pipeline(PipelineName="shared")["PipelineArn"] == live["PipelineArn"]
    assert "DeletePipeline" not in writes(emulator)


def test_existing_pipeline_is_adopted_only_with_adopt(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any, namespace: str
) -> None:
    arn = sagemaker_client.create_pipeline(
        PipelineName="legacy",
        PipelineDefinition=json.dumps(definition(epochs=1)),
        RoleArn=ROLE,
        ClientRequestToken=token(),
        Tags=[{"Key": "made-by", "Value": "console"}],
    )["PipelineArn"]
    pipelines.create("legacy")
    stalled = pipelines.wait_condition("legacy", "Stalled", "True", "OwnedElsewhere", generation=1)
    assert "set adoptionPolicy: Adopt" in ready_message(stalled)
    assert writes(emulator) == {"CreatePipeline": 1}  # the console's

    pipelines.patch_spec("legacy", {"adoptionPolicy": "Adopt", "tags": {"team": "a"}})
    adopted = pipelines.wait_condition("legacy", "Ready", "True", "Reconciled", generation=2)
    assert adopted["status"]["arn"] == arn
    assert adopted["status"]["pipelineVersionId"] == 2
    assert live_tags(sagemaker_client, arn) == {"team": "a", OWNER_TAG_KEY: owner(namespace, "legacy")}
    assert (
        json.loads(sagemaker_client.describe_pipeline(PipelineName="legacy")["PipelineDefinition"])
        == DEFINITION
    )
    reasons = pipelines.event_reasons("legacy")
    assert {"Adopted", "Updated", "TagsSynced"} <= set(reasons)
    assert writes(emulator) == {"CreatePipeline": 1, "AddTags": 2, "UpdatePipeline": 1, "DeleteTags": 1}


def test_sagemaker_refusal_stalls_with_sagemakers_message(
    pipelines: Pipelines, operator: Any, sagemaker_client: Any
) -> None:
    # 50 tags is SageMaker's limit: claiming the pipeline with our owner tag is refused.
    sagemaker_client.create_pipeline(
        PipelineName="crowded",
        PipelineDefinition=json.dumps(DEFINITION),
        RoleArn=ROLE,
        ClientRequestToken=token(),
        Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)],
    )
    pipelines.create("crowded", adoptionPolicy="Adopt")
    stalled = pipelines.wait_condition("crowded", "Stalled", "True", "AWSRejected", generation=1)
    message = ready_message(stalled)
    assert message.startswith("AddTags: ValidationException: ")
    assert "at most 50 tags" in message
    assert pipelines.wait_event("crowded", "AWSRejected").type == "Warning"

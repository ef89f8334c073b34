"""PipelineTrigger with a pipelineRun source on the real API server and the emulator: a data-prep
run that succeeds starts a training run with parameters taken from it; a run that finished
before the trigger existed starts nothing, one that finished in its creation second after it
looked does (other phases: tests/unit/test_trigger_chaining.py)."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.fixtures.pipelines import parameter
from tests.fixtures.runs import GROUP, VERSION, Kube, definition, pipeline_manifest, run_manifest, wait_for
from tests.integration.test_trigger_sqs import runs_of


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def chain_manifest() -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineTrigger",
        "metadata": {"name": "train-after-prep"},
        "spec": {
            "source": {"pipelineRun": {"pipelineRef": {"name": "prep"}}},
            "parameters": {"Dataset": "join('', ['s3://prepared/', run.metadata.name])"},
            "runTemplate": {"spec": {"pipelineRef": {"name": "train"}}},
        },
    }


@pytest.mark.usefixtures("operator")
def test_succeeded_upstream_run_starts_one_downstream_run(kube: Kube) -> None:
    kube.ready_pipeline(
        "train", definition_doc=definition(parameters=[parameter("Dataset", default="s3://d")])
    )
    kube.ready_pipeline("prep")
    kube.create(run_manifest("prep-before", pipeline="prep"))
    kube.wait_phase("prep-before", "Succeeded")
    kube.create(chain_manifest())
    wait_for(
        lambda: kube.condition("PipelineTrigger", "train-after-prep", "Ready").get("reason") == "Listening"
    )

    kube.create(run_manifest("prep-1", pipeline="prep"))
    kube.wait_phase("prep-1", "Succeeded")
    (downstream,) = wait_for(lambda: runs_of(kube, "train-after-prep"), what="the chained run")
    assert downstream["spec"]["parameters"] == {"Dataset": "s3://prepared/prep-1"}
    kube.wait_phase(downstream["metadata"]["name"], "Succeeded")

    kube.create(run_manifest("prep-2", pipeline="prep"))
    kube.wait_phase("prep-2", "Succeeded")
    wait_for(lambda: len(runs_of(kube, "train-after-prep")) == 2, what="the second chained run")
    # The status is written just after the run is created: wait for it, then check the counts.
    wait_for(
        lambda: kube.status("PipelineTrigger", "train-after-prep").get("runs") == 2, what="2 runs counted"
    )
    counts = kube.status("PipelineTrigger", "train-after-prep")["counts"]
    assert (counts["received"], counts["started"]) == (2, 2)  # prep-before was never an event


SHARD = {"shard": "a"}


@pytest.mark.parametrize("suspended", [pytest.param(False, id="active"), pytest.param(True, id="suspended")])
def test_upstream_finish_in_the_trigger_creation_second_starts_a_run(
    kube: Kube, start_operator: Any, suspended: bool
) -> None:
    """Timestamps have second precision, so only the baseline taken at the trigger's first look
    (suspended or not) tells this finish from one before the trigger. The upstream run belongs to
    another shard (no `shard` label: this operator leaves it alone), so the test can give it any
    completion time."""
    start_operator(selector="shard=a")
    train = pipeline_manifest("train", definition(parameters=[parameter("Dataset", default="s3://d")]))
    train["metadata"]["labels"] = SHARD
    kube.create(train)
    wait_for(lambda: kube.condition("Pipeline", "train", "Ready").get("status") == "True", what="train Ready")
    kube.create(run_manifest("prep-1", pipeline="prep"))
    trigger = chain_manifest()
    trigger["metadata"]["labels"] = SHARD
    trigger["spec"]["runTemplate"]["metadata"] = {"labels": SHARD}
    trigger["spec"]["suspend"] = suspended
    created = kube.create(trigger)["metadata"]["creationTimestamp"]
    reason = "Suspended" if suspended else "Listening"
    wait_for(lambda: kube.condition("PipelineTrigger", "train-after-prep", "Ready").get("reason") == reason)
    assert kube.status("PipelineTrigger", "train-after-prep")["upstreamBaseline"] == []

    kube.api.patch_namespaced_custom_object_status(
        GROUP,
        VERSION,
        kube.namespace,
        "pipelineruns",
        "prep-1",
        {"status": {"phase": "Succeeded", "completionTime": created}},
    )
    if suspended:
        assert runs_of(kube, "train-after-prep") == []
        kube.patch("PipelineTrigger", "train-after-prep", {"spec": {"suspend": False}})
    (downstream,) = wait_for(lambda: runs_of(kube, "train-after-prep"), what="the chained run")
    assert downstream["spec"]["parameters"] == {"Dataset": "s3://prepared/prep-1"}
    kube.wait_phase(downstream["metadata"]["name"], "Succeeded")
    wait_for(
        lambda: kube.status("PipelineTrigger", "train-after-prep").get("runs") == 1, what="1 run counted"
    )
    assert kube.status("PipelineTrigger", "train-after-prep")["counts"]["started"] == 1


@pytest.mark.parametrize(
    "source",
    [
        pytest.param({}, id="none"),
        pytest.param(
            {
                "pipelineRun": {"pipelineRef": {"name": "prep"}},
                "alertmanager": {"tokenSecretRef": {"name": "t"}},
            },
            id="two",
        ),
    ],
)
def test_api_server_refuses_a_trigger_without_exactly_one_source(kube: Kube, source: dict[str, Any]) -> None:
    body = chain_manifest()
    body["spec"]["source"] = source
    with pytest.raises(ApiException) as refused:
        kube.create(body)
    assert refused.value.status == 422
    assert "set exactly one of sqs, alertmanager or pipelineRun" in str(refused.value.body)


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        pytest.param(["champion"], "should have at least 2 items", id="one"),
        pytest.param(["champion", "champion"], "Duplicate value", id="repeated"),
        pytest.param(["champion", "Challenger"], "should match", id="pattern"),
    ],
)
def test_api_server_refuses_a_bad_join_and_nothing_is_created(
    kube: Kube, variants: list[str], message: str
) -> None:
    body = chain_manifest()
    body["spec"]["source"]["pipelineRun"]["join"] = {"variants": variants}
    with pytest.raises(ApiException) as refused:
        kube.create(body)
    assert refused.value.status == 422 and message in str(refused.value.body), refused.value.body
    assert kube.get("PipelineTrigger", "train-after-prep") is None

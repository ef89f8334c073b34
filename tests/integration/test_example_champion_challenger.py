"""The champion/challenger example (manifests/examples/champion-challenger/) loaded as written into
the real API server and run against the emulator: both arms on the same inputs, each on its own
version, and the deploy-if-better gate deciding on their AUCs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.fixtures.pipelines import steps
from tests.fixtures.runs import Kube, wait_for

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "manifests"
    / "examples"
    / "champion-challenger"
    / "churn-champion-challenger.yaml"
)


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def documents() -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(EXAMPLE.read_text()) if doc}


def scheduled_run(schedule: dict[str, Any], name: str) -> dict[str, Any]:
    """The PipelineRun the schedule creates at its time (its runTemplate, as reconcile/schedule does)."""
    template = schedule["spec"]["runTemplate"]
    return {
        "apiVersion": schedule["apiVersion"],
        "kind": "PipelineRun",
        "metadata": {"name": name, "labels": template["metadata"]["labels"]},
        "spec": copy.deepcopy(template["spec"]),
    }


def test_the_example_runs_both_arms_on_their_versions_and_gates_promotion(
    kube: Kube, operator: Any, sagemaker_client: Any
) -> None:
    docs = documents()
    for doc in docs.values():
        kube.create(copy.deepcopy(doc))
    wait_for(
        lambda: (
            kube.status("Pipeline", "churn-model").get("versionAliases")
            == [{"name": "challenger", "versionId": 1}, {"name": "champion", "versionId": 1}]
        ),
        what="both aliases on version 1",
    )
    promoted = kube.wait_phase("churn-promote-2026-03-02", "Succeeded")
    assert sorted(steps(sagemaker_client, promoted["executionArn"])) == [
        "ChallengerBeatsChampion",
        "RegisterChallenger",
    ]

    # The next commit tunes the model: a new version, which the challenger follows.
    definition = copy.deepcopy(docs["churn-model"]["spec"]["definition"]["inline"])
    definition["Steps"][0]["Arguments"]["HyperParameters"]["num_round"] = "500"
    kube.patch("Pipeline", "churn-model", {"spec": {"definition": {"inline": definition}}})
    wait_for(
        lambda: (
            kube.status("Pipeline", "churn-model").get("versionAliases")
            == [{"name": "challenger", "versionId": 2}, {"name": "champion", "versionId": 1}]
        ),
        what="challenger on version 2",
    )
    kube.create(scheduled_run(docs["churn-champion-nightly"], "champion-0302"))
    kube.create(scheduled_run(docs["churn-challenger-nightly"], "challenger-0302"))
    champion = kube.wait_phase("champion-0302", "Succeeded")
    challenger = kube.wait_phase("challenger-0302", "Succeeded")
    assert (champion["pipelineVersionId"], challenger["pipelineVersionId"]) == (1, 2)
    for status in (champion, challenger):
        described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=status["executionArn"])
        assert described["MLflowConfig"] == {"MlflowExperimentName": "churn-champion-vs-challenger"}
        parameters = sagemaker_client.list_pipeline_parameters_for_execution(
            PipelineExecutionArn=status["executionArn"]
        )["PipelineParameters"]
        assert parameters == [{"Name": "InputData", "Value": "s3://acme-churn/customers/latest/"}]

    worse = copy.deepcopy(docs["churn-promote-2026-03-02"])
    worse["metadata"]["name"] = "churn-promote-worse"
    worse["spec"]["parameters"].update(ChampionAuc="0.93", ChallengerAuc="0.90")
    kube.create(worse)
    kept = kube.wait_phase("churn-promote-worse", "Failed")
    assert kept["failureReason"].startswith("step 'ChampionStays' (Fail) failed")
    assert "Challenger AUC 0.9 does not beat the champion's 0.93" in kept["failureReason"]

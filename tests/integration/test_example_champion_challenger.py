"""The champion/challenger example (manifests/examples/champion-challenger/) loaded as written into
the real API server and run against the emulator: one schedule runs both arms at the same
scheduled time on the same inputs, each on its own version; when both have succeeded the trigger
starts the deploy-if-better gate with the AUCs the arms' ReportMetrics steps returned, and the
gate registers the challenger only when it is better. Two nights: a better challenger, a worse one.

The operator's clock is real time plus an offset (tests/integration/test_schedule_cron.py), moved
to just before 02:00 so the nightly schedule fires within seconds."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.fixtures.clock import TestClock
from tests.fixtures.pipelines import steps
from tests.fixtures.runs import Kube, wait_for

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "manifests"
    / "examples"
    / "champion-challenger"
    / "churn-champion-challenger.yaml"
)
VARIANT = "sagemaker.pipelines.dev/variant"
SCHEDULE_UID = "sagemaker.pipelines.dev/schedule-uid"


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


def documents() -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(EXAMPLE.read_text()) if doc}


def with_auc(pipeline: dict[str, Any], auc: str) -> dict[str, Any]:
    """The churn model's definition as a commit that trained to `auc` would leave it (the
    emulator's ReportMetrics directive; real SageMaker computes it)."""
    definition = copy.deepcopy(pipeline["spec"]["definition"]["inline"])
    (report,) = [s for s in definition["Steps"] if s["Name"] == "ReportMetrics"]
    report["Description"] = re.sub(r"emulator:out\.auc=\S+", f"emulator:out.auc={auc}", report["Description"])
    return definition


def aliases(kube: Kube) -> dict[str, int]:
    return {
        a["name"]: a["versionId"] for a in kube.status("Pipeline", "churn-model").get("versionAliases", [])
    }


def to_before_2am(clock: TestClock) -> datetime:
    """Move the operator's clock to 2 s before the next 02:00 UTC; returns that 02:00."""
    now = clock()
    target = now.replace(hour=2, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    clock.advance(target - timedelta(seconds=2) - now)
    return target


def night(kube: Kube, clock: TestClock) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """One night: both arms scheduled at 02:00, run to the end; then the gate the trigger started."""
    scheduled = to_before_2am(clock).strftime("%Y-%m-%dT%H:%M:%SZ")
    uid = kube.get("PipelineSchedule", "churn-nightly")["metadata"]["uid"]  # type: ignore[index]

    def arms() -> dict[str, dict[str, Any]]:
        found = {
            r["metadata"]["labels"][VARIANT]: r
            for r in kube.list("PipelineRun")
            if r["metadata"].get("labels", {}).get(SCHEDULE_UID) == uid
            and r["metadata"]["annotations"]["sagemaker.pipelines.dev/scheduled-time"] == scheduled
        }
        return found if len(found) == 2 else {}

    pair = wait_for(arms, timeout=30, what=f"both arms scheduled at {scheduled}")
    champion = kube.wait_phase(pair["champion"]["metadata"]["name"], "Succeeded")
    challenger = kube.wait_phase(pair["challenger"]["metadata"]["name"], "Succeeded")
    gates = wait_for(
        lambda: [
            r
            for r in kube.list("PipelineRun")
            if r["spec"]["pipelineRef"]["name"] == "churn-promote-if-better"
            and r["spec"]["parameters"]["ChallengerVersion"] == str(challenger["pipelineVersionId"])
        ],
        what="the promote-if-better run for this night",
    )
    assert len(gates) == 1, [g["metadata"]["name"] for g in gates]
    return champion, challenger, gates[0]


def test_one_schedule_runs_both_arms_and_the_gate_promotes_only_a_better_challenger(
    kube: Kube, start_operator: Callable[..., Any], sagemaker_client: Any
) -> None:
    clock = TestClock()
    start_operator(now=clock)
    docs = documents()
    model = copy.deepcopy(docs["churn-model"])
    # The champion's commit: AUC 0.91. Both aliases start on its version.
    model["spec"]["definition"]["inline"] = with_auc(docs["churn-model"], "0.91")
    kube.create(model)
    wait_for(lambda: aliases(kube) == {"champion": 1, "challenger": 1}, what="both aliases on version 1")
    # The challenger's commit is the file as written (AUC 0.93): a new version the challenger follows.
    kube.patch("Pipeline", "churn-model", {"spec": {"definition": docs["churn-model"]["spec"]["definition"]}})
    wait_for(lambda: aliases(kube) == {"champion": 1, "challenger": 2}, what="challenger on version 2")
    for name in ("churn-promote-if-better", "churn-nightly", "churn-promote-after-both-arms"):
        kube.create(copy.deepcopy(docs[name]))
    wait_for(lambda: kube.condition("Pipeline", "churn-promote-if-better", "Ready").get("status") == "True")

    champion, challenger, gate = night(kube, clock)
    assert (champion["pipelineVersionId"], challenger["pipelineVersionId"]) == (1, 2)
    for status in (champion, challenger):
        described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=status["executionArn"])
        assert described["MLflowConfig"] == {"MlflowExperimentName": "churn-champion-vs-challenger"}
        parameters = sagemaker_client.list_pipeline_parameters_for_execution(
            PipelineExecutionArn=status["executionArn"]
        )["PipelineParameters"]
        assert parameters == [{"Name": "InputData", "Value": "s3://acme-churn/customers/latest/"}]
    assert gate["spec"]["parameters"] == {
        "ChampionAuc": "0.91",
        "ChallengerAuc": "0.93",
        "ChallengerModelData": "s3://acme-churn/models/model.tar.gz",
        "ChallengerVersion": "2",
    }
    promoted = kube.wait_phase(gate["metadata"]["name"], "Succeeded")
    assert sorted(steps(sagemaker_client, promoted["executionArn"])) == [
        "ChallengerBeatsChampion",
        "RegisterChallenger",
    ]

    # The next commit makes the challenger worse (AUC 0.89): version 3. The next night's gate keeps
    # the champion: its Condition is False and nothing is registered.
    kube.patch(
        "Pipeline", "churn-model", {"spec": {"definition": {"inline": with_auc(docs["churn-model"], "0.89")}}}
    )
    wait_for(lambda: aliases(kube) == {"champion": 1, "challenger": 3}, what="challenger on version 3")
    champion, challenger, gate = night(kube, clock)
    assert (champion["pipelineVersionId"], challenger["pipelineVersionId"]) == (1, 3)
    assert (gate["spec"]["parameters"]["ChampionAuc"], gate["spec"]["parameters"]["ChallengerAuc"]) == (
        "0.91",
        "0.89",
    )
    kept = kube.wait_phase(gate["metadata"]["name"], "Succeeded")
    assert sorted(steps(sagemaker_client, kept["executionArn"])) == ["ChallengerBeatsChampion"]
    (condition,) = kept["steps"]
    assert condition["conditionOutcome"] == "False"
    # The arms' metrics are in their runs' status, where `smpo compare` and the trigger read them.
    assert [s.get("outputs") for s in champion["steps"] if s["name"] == "ReportMetrics"] == [
        {"auc": "0.91", "model_data": "s3://acme-churn/models/model.tar.gz"}
    ]

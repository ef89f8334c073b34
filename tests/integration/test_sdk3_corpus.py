"""Fidelity for SDK 3.x: what sagemaker-mlops 1.27 renders, one pipeline per step type it offers
(tests/data/sdk3/corpus.py), passes the definition validator, is created in the emulator over HTTP
and runs to the end SageMaker gives it; its run conditions (`StepDependency`) run a step when its
upstream fails or ends either way, and the execution then ends CompletedWithFailures. Rendering is
one subprocess in the cached SDK 3.x environment with every AWS endpoint on a closed port."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.pipelines import start, steps, token, wait, wait_for_step
from tests.fixtures.runs import Kube, run_manifest
from tests.fixtures.sdk3 import offline_env
from tests.integration.sdk_corpora import (
    Corpus,
    create,
    missing_step_types,
    render_corpus,
    run_every_pipeline,
    validation_problems,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "sdk3" / "corpus.py"
# Every step type sagemaker-mlops 1.27 can build (StepTypeEnum less AutoML, see the corpus): the
# NotebookJobStep and `@step` functions render Training jobs, ModelStep a Model or RegisterModel.
STEP_TYPES = {
    "Processing", "Training", "Transform", "Tuning", "Model", "RegisterModel", "Callback", "Lambda",
    "Condition", "Fail", "EMR", "EMRServerless", "QualityCheck", "ClarifyCheck", "EndpointConfig",
    "Endpoint", "InferenceComponent", "Lineage", "Job", "Cleanup", "ForEach",
}  # fmt: skip
RULES: dict[str, list[dict[str, Any]]] = {
    "Sdk3LambdaCallback": [
        {"step": "Score", "outputs": {"rate": 0.1}},
        {"step": "Approve", "callback": {"outputs": {"decision": "yes"}}},
    ],
    "PerRegionScores": [{"step": "ScoreRegion", "outputs": {"score": 0.5}}],
}


@pytest.fixture(scope="module")
def corpus(sdk3_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    home = tmp_path_factory.mktemp("sdk3-corpus-home")
    env = offline_env(home, CORPUS.parent)
    return render_corpus(
        sdk3_python, CORPUS, home / "corpus.json", cwd=home, env=env, timeout=300, label="SDK 3.x"
    )


def test_corpus_covers_every_step_type_of_the_sdk3(corpus: Corpus) -> None:
    assert missing_step_types(corpus, STEP_TYPES) == []


def test_every_sdk3_definition_passes_the_validator(corpus: Corpus) -> None:
    assert validation_problems(corpus) == {}


def test_every_sdk3_pipeline_runs_to_success_in_the_emulator(
    corpus: Corpus, sagemaker_client: Any, emulator: Any
) -> None:
    arns, ended = run_every_pipeline(corpus, sagemaker_client, emulator, RULES)
    assert ended == dict.fromkeys(corpus, "Succeeded")
    ran = {name: steps(sagemaker_client, arn) for name, arn in arns.items()}
    assert set(ran["Sdk3RunConditions"]) == {"Prepare", "Audit", "Publish"}  # NotifyFailure: no failure
    job_arn = ran["Sdk3Job"]["Features"]["Metadata"]["Job"]["Arn"]
    assert job_arn.startswith("arn:aws:sagemaker:us-east-1:123456789012:job/AgentRFT/")
    assert set(ran["Sdk3Hosting"]) == {"EndpointConfig", "Endpoint", "Component"}
    functions = ran["Sdk3Functions"]  # Fit reads Featurize's return value, so it runs after it
    assert functions["Fit"]["StartTime"] >= functions["Featurize"]["EndTime"]


def test_sdk3_run_conditions_run_the_failure_handlers_and_complete_with_failures(
    corpus: dict[str, dict[str, Any]], sagemaker_client: Any, emulator: Any
) -> None:
    emulator.set_outcomes([{"pipeline": "Sdk3RunConditions", "step": "Prepare", "fail": True}])
    create(sagemaker_client, "Sdk3RunConditions", corpus["Sdk3RunConditions"])
    arn = start(sagemaker_client, "Sdk3RunConditions")
    described = wait(sagemaker_client, arn, timeout=30)
    ran = {name: step["StepStatus"] for name, step in steps(sagemaker_client, arn).items()}
    assert ran == {"Prepare": "Failed", "NotifyFailure": "Succeeded", "Audit": "Succeeded"}
    assert described["PipelineExecutionStatus"] == "CompletedWithFailures"


def test_sdk3_run_conditions_on_stop_run_while_the_execution_stops(
    corpus: dict[str, dict[str, Any]], sagemaker_client: Any, emulator: Any
) -> None:
    emulator.set_outcomes([{"pipeline": "Sdk3RunConditions", "step": "Prepare", "seconds": 5}])
    create(sagemaker_client, "Sdk3RunConditions", corpus["Sdk3RunConditions"])
    arn = start(sagemaker_client, "Sdk3RunConditions")
    wait_for_step(sagemaker_client, arn, "Prepare", "Executing")
    sagemaker_client.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    described = wait(sagemaker_client, arn, timeout=30)
    ran = {name: step["StepStatus"] for name, step in steps(sagemaker_client, arn).items()}
    assert ran == {"Prepare": "Stopped", "ReleaseCapacity": "Succeeded", "Audit": "Succeeded"}
    assert described["PipelineExecutionStatus"] == "Stopped"


def test_a_failed_failure_handler_fails_the_execution(
    corpus: dict[str, dict[str, Any]], sagemaker_client: Any, emulator: Any
) -> None:
    emulator.set_outcomes(
        [
            {"pipeline": "Sdk3RunConditions", "step": "Prepare", "fail": True},
            {"pipeline": "Sdk3RunConditions", "step": "NotifyFailure", "fail": True},
        ]
    )
    create(sagemaker_client, "Sdk3RunConditions", corpus["Sdk3RunConditions"])
    arn = start(sagemaker_client, "Sdk3RunConditions")
    described = wait(sagemaker_client, arn, timeout=30)
    assert described["PipelineExecutionStatus"] == "Failed"
    assert set(steps(sagemaker_client, arn)) == {"Prepare", "NotifyFailure", "Audit"}


def test_a_run_whose_failure_was_handled_shows_completed_with_failures_through_the_operator(
    corpus: dict[str, dict[str, Any]],
    kube_api: client.ApiClient,
    namespace: str,
    operator: Any,
    emulator: Any,
) -> None:
    emulator.set_outcomes([{"step": "Prepare", "fail": True}])  # the operator names the pipeline
    kube = Kube(kube_api, namespace)
    kube.ready_pipeline("run-conditions", corpus["Sdk3RunConditions"])
    kube.create(run_manifest("handled-1", pipeline="run-conditions"))
    status = kube.wait_phase("handled-1", "CompletedWithFailures", "Failed", "Succeeded", timeout=60)
    assert status["phase"] == "CompletedWithFailures"
    assert {s["name"]: s["status"] for s in status["steps"]} == {
        "Prepare": "Failed",
        "NotifyFailure": "Succeeded",
        "Audit": "Succeeded",
    }

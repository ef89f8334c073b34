"""Fidelity for SDK 3.x: what sagemaker-mlops 1.27 renders, one pipeline per step type it offers
(tests/data/sdk3/corpus.py), passes the definition validator, is created in the emulator over HTTP
and runs to the end SageMaker gives it; its run conditions (`StepDependency`) run a step when its
upstream fails or ends either way, and the execution then ends CompletedWithFailures. Rendering is
one subprocess in the cached SDK 3.x environment with every AWS endpoint on a closed port."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from sagemaker_pipelines_operator.definition import parse_definition, validate_definition
from sagemaker_pipelines_operator.definition.steps import iter_steps
from tests.fixtures.pipelines import ROLE, start, steps, token, wait, wait_for_step
from tests.fixtures.runs import Kube, run_manifest
from tests.fixtures.sdk3 import offline_env

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
def corpus(sdk3_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    home = tmp_path_factory.mktemp("sdk3-corpus-home")
    output = home / "corpus.json"
    started = time.perf_counter()
    done = subprocess.run(
        [str(sdk3_python), str(CORPUS), str(output)],
        cwd=home,
        env=offline_env(home, CORPUS.parent),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"\nSDK 3.x corpus rendered in {time.perf_counter() - started:.1f}s")
    return {
        name: parse_definition(text, allow_yaml=False)
        for name, text in json.loads(output.read_text()).items()
    }


def test_corpus_covers_every_step_type_of_the_sdk3(corpus: dict[str, dict[str, Any]]) -> None:
    rendered = {ref.type for definition in corpus.values() for ref in iter_steps(definition)}
    assert rendered >= STEP_TYPES, f"missing: {sorted(STEP_TYPES - rendered)}"


def test_every_sdk3_definition_passes_the_validator(corpus: dict[str, dict[str, Any]]) -> None:
    problems = {name: [str(p) for p in validate_definition(d)] for name, d in corpus.items()}
    assert problems == {name: [] for name in corpus}


def create(client: Any, name: str, definition: dict[str, Any]) -> None:
    client.create_pipeline(
        PipelineName=name, PipelineDefinition=json.dumps(definition), RoleArn=ROLE, ClientRequestToken=token()
    )


def test_every_sdk3_pipeline_runs_to_success_in_the_emulator(
    corpus: dict[str, dict[str, Any]], sagemaker_client: Any, emulator: Any
) -> None:
    emulator.set_outcomes([rule | {"pipeline": name} for name, rules in RULES.items() for rule in rules])
    arns = {}
    for name, definition in corpus.items():
        create(sagemaker_client, name, definition)
        arns[name] = start(sagemaker_client, name)
    ended = {
        name: wait(sagemaker_client, arn, timeout=30)["PipelineExecutionStatus"] for name, arn in arns.items()
    }
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

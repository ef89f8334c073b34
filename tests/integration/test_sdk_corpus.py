"""Fidelity: what the real sagemaker 2.x SDK renders, one pipeline per step type it offers
(tests/data/sdk/corpus.py), passes the definition validator, is created in the emulator over HTTP
and runs; its expressions (Std:JsonGet, Std:Join, ExecutionVariables, Or/Not/In, retry policies)
behave as SageMaker's. Rendering is one subprocess with every AWS endpoint on a closed port."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.pipelines import start, steps, wait
from tests.integration.sdk_corpora import (
    Corpus,
    create,
    missing_step_types,
    render_corpus,
    run_every_pipeline,
    validation_problems,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "sdk" / "corpus.py"
# Every step type the SDK offers, as its definitions name them (NotebookJobStep renders a Training
# job; ModelStep(model.create()) is "Model", as CreateModelStep was).
STEP_TYPES = {
    "Processing", "Training", "Tuning", "Transform", "Model", "RegisterModel", "Lambda", "Callback",
    "Condition", "Fail", "EMR", "QualityCheck", "ClarifyCheck", "AutoML",
}  # fmt: skip
# What each pipeline needs to end Succeeded: its outcome rules (the definitions stay unmodified).
RULES: dict[str, list[dict[str, Any]]] = {
    "CorpusRegister": [
        {"step": "Evaluate", "propertyFiles": {"Report": {"metrics": {"auc": {"value": 0.9}}}}}
    ],
    "CorpusLambdaCallback": [
        {"step": "Score", "outputs": {"rate": 0.1}},
        {"step": "Approve", "callback": {"outputs": {"decision": "yes"}}},
    ],
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    home = tmp_path_factory.mktemp("sdk-home")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_CONFIG_FILE": str(home / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
        "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
    }
    return render_corpus(
        sys.executable, CORPUS, home / "corpus.json", cwd=CORPUS.parent, env=env, timeout=180, label="SDK"
    )


def test_corpus_covers_every_step_type_of_the_sdk(corpus: Corpus) -> None:
    assert missing_step_types(corpus, STEP_TYPES) == []


def test_every_sdk_definition_passes_the_validator(corpus: Corpus) -> None:
    assert validation_problems(corpus) == {}


def test_every_sdk_pipeline_runs_to_success_in_the_emulator(
    corpus: Corpus, sagemaker_client: Any, emulator: Any
) -> None:
    arns, ended = run_every_pipeline(corpus, sagemaker_client, emulator, RULES)
    assert ended == dict.fromkeys(corpus, "Succeeded")
    ran = steps(sagemaker_client, arns["CorpusLambdaCallback"])
    assert ran["Score"]["Metadata"]["Lambda"]["OutputParameters"] == [{"Name": "rate", "Value": "0.1"}]
    assert "Publish" in ran and "NotApproved" not in ran


GATE = [
    ("auc-above-the-bar", 0.9, {}, "Register-RegisterModel", None),
    ("auc-below-the-bar", 0.6, {}, "Rejected", "AUC 0.6 is below 0.8 in CorpusRegister"),
    ("forced-by-the-or", 0.6, {"Force": "true"}, "Register-RegisterModel", None),
    ("forced-but-not-at-or-below-half", 0.45, {"Force": "true"}, "Rejected", "AUC 0.45 is below 0.8"),
    ("higher-bar-from-a-parameter", 0.9, {"Stage": "prod", "MinAuc": "0.95"}, "Rejected", "is below 0.95"),
]


@pytest.mark.parametrize("case", [g[1:] for g in GATE], ids=[g[0] for g in GATE])
def test_sdk_gate_evaluates_jsonget_join_or_not_in_like_sagemaker(
    corpus: dict[str, dict[str, Any]],
    sagemaker_client: Any,
    emulator: Any,
    case: tuple[float, dict[str, str], str, str | None],
) -> None:
    auc, parameters, taken, reason = case
    emulator.set_outcomes(
        [
            {
                "pipeline": "CorpusRegister",
                "step": "Evaluate",
                "propertyFiles": {"Report": {"metrics": {"auc": {"value": auc}}}},
            }
        ]
    )
    create(sagemaker_client, "CorpusRegister", corpus["CorpusRegister"])
    arn = start(sagemaker_client, "CorpusRegister", **parameters)
    described = wait(sagemaker_client, arn)
    assert taken in steps(sagemaker_client, arn)
    if reason is None:
        assert described["PipelineExecutionStatus"] == "Succeeded"
    else:
        assert described["PipelineExecutionStatus"] == "Failed"
        assert reason in described["FailureReason"]


def test_sdk_retry_policy_covers_a_failed_first_attempt(
    corpus: dict[str, dict[str, Any]], sagemaker_client: Any, emulator: Any
) -> None:
    emulator.set_outcomes([{"pipeline": "CorpusTraining", "step": "Train", "fail": 2}])
    create(sagemaker_client, "CorpusTraining", corpus["CorpusTraining"])
    arn = start(sagemaker_client, "CorpusTraining")
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Succeeded"
    assert steps(sagemaker_client, arn)["Train"]["AttemptCount"] == 3
    emulator.set_outcomes([{"pipeline": "CorpusTraining", "step": "Train", "fail": 3}])
    arn = start(sagemaker_client, "CorpusTraining", Epochs="11")  # other arguments: not from the cache
    assert wait(sagemaker_client, arn)["PipelineExecutionStatus"] == "Failed"


def test_sdk_cache_config_reuses_a_succeeded_step_with_the_same_arguments(
    corpus: dict[str, dict[str, Any]], sagemaker_client: Any, emulator: Any
) -> None:
    create(sagemaker_client, "CorpusTraining", corpus["CorpusTraining"])
    first = start(sagemaker_client, "CorpusTraining")
    wait(sagemaker_client, first)
    second = start(sagemaker_client, "CorpusTraining")
    assert wait(sagemaker_client, second)["PipelineExecutionStatus"] == "Succeeded"
    cached = steps(sagemaker_client, second)["Train"]
    assert cached["CacheHitResult"] == {"SourcePipelineExecutionArn": first}
    assert cached["Metadata"] == steps(sagemaker_client, first)["Train"]["Metadata"]
    other = start(sagemaker_client, "CorpusTraining", Epochs="20")  # other arguments: no hit
    wait(sagemaker_client, other)
    assert "CacheHitResult" not in steps(sagemaker_client, other)["Train"]


def test_expired_or_disabled_cache_runs_the_step_again(
    corpus: dict[str, dict[str, Any]], sagemaker_client: Any, emulator: Any
) -> None:
    definition = json.loads(json.dumps(corpus["CorpusTraining"]))
    definition["Steps"][0]["CacheConfig"]["ExpireAfter"] = "PT0S"
    create(sagemaker_client, "CacheExpired", definition)
    definition["Steps"][0]["CacheConfig"] = {"Enabled": False, "ExpireAfter": "P30D"}
    create(sagemaker_client, "CacheOff", definition)
    for name in ("CacheExpired", "CacheOff"):
        wait(sagemaker_client, start(sagemaker_client, name))
        again = start(sagemaker_client, name)
        wait(sagemaker_client, again)
        assert "CacheHitResult" not in steps(sagemaker_client, again)["Train"], name

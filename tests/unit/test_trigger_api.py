"""PipelineTrigger's model: one source, JMESPath that compiles, defaults, final phases for chaining."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sagemaker_pipelines_operator.api import PipelineTriggerSpec
from sagemaker_pipelines_operator.api.crd import crd_for
from sagemaker_pipelines_operator.api.kinds import PIPELINE_TRIGGER

QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/data-events"
TEMPLATE = {"spec": {"pipelineRef": {"name": "retrain"}}}


def spec(**fields: Any) -> dict[str, Any]:
    return {"source": {"sqs": {"queueUrl": QUEUE}}, "runTemplate": TEMPLATE, **fields}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"source": {}}, "exactly one of sqs, alertmanager or pipelineRun", id="no-source"),
        pytest.param(
            {"source": {"sqs": {"queueUrl": QUEUE}, "pipelineRun": {"pipelineRef": {"name": "prep"}}}},
            "exactly one of sqs, alertmanager or pipelineRun",
            id="two-sources",
        ),
        pytest.param({"source": {"sqs": {"queueUrl": "not a url"}}}, "queueUrl", id="queue-url"),
        pytest.param(
            {"source": {"sqs": {"queueUrl": QUEUE, "waitTimeSeconds": 21}}}, "20", id="wait-over-20"
        ),
        pytest.param({"filter": {"expression": "s3.key[?"}}, "not a valid JMESPath", id="filter-expression"),
        pytest.param(
            {"parameters": {"Input": "join('', [s3.key"}}, "parameter 'Input'", id="param-expression"
        ),
        pytest.param({"parameters": {"bad name!": "s3.key"}}, "pattern", id="param-name"),
        pytest.param({"debounce": {"windowSeconds": 0}}, "greater than or equal to 1", id="debounce-zero"),
        pytest.param({"rateLimit": {"runsPerHour": 0}}, "greater than or equal to 1", id="rate-zero"),
        pytest.param({"concurrencyPolicy": "Queue"}, "Allow", id="policy"),
        pytest.param(
            {"source": {"pipelineRun": {"pipelineRef": {"name": "prep"}, "phases": ["Executing"]}}},
            "not final: Executing",
            id="chain-unfinished-phase",
        ),
        pytest.param(
            {"source": {"alertmanager": {"matchLabels": {"a": "b"}}}}, "tokenSecretRef", id="alert-no-token"
        ),
        pytest.param({"sourceKind": "sqs"}, "Extra inputs", id="unknown-field"),
    ],
)
def test_invalid_trigger_spec_is_refused_with_a_clear_message(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PipelineTriggerSpec.model_validate(spec(**fields))


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        pytest.param({"sqs": {"queueUrl": QUEUE}}, "sqs", id="sqs"),
        pytest.param({"alertmanager": {"tokenSecretRef": {"name": "am"}}}, "alertmanager", id="alertmanager"),
        pytest.param({"pipelineRun": {"pipelineRef": {"name": "prep"}}}, "pipelineRun", id="pipelineRun"),
    ],
)
def test_each_source_alone_is_accepted(source: dict[str, Any], kind: str) -> None:
    parsed = PipelineTriggerSpec.model_validate(spec(source=source))
    assert parsed.source.kind == kind


def test_defaults_match_pipeline_schedule() -> None:
    parsed = PipelineTriggerSpec.model_validate(spec())
    assert (parsed.concurrency_policy, parsed.suspend) == ("Forbid", False)
    assert (parsed.successful_runs_history_limit, parsed.failed_runs_history_limit) == (3, 1)
    assert parsed.source.sqs is not None and parsed.source.sqs.wait_time_seconds == 20
    chained = PipelineTriggerSpec.model_validate(spec(source={"pipelineRun": {"pipelineRef": {"name": "p"}}}))
    assert chained.source.pipeline_run is not None
    assert [p.value for p in chained.source.pipeline_run.phases] == ["Succeeded"]


def test_crd_has_the_trigger_columns_short_name_and_one_source_rule() -> None:
    crd = crd_for(PIPELINE_TRIGGER)
    names = crd["spec"]["names"]
    assert (names["shortNames"], names["categories"]) == (["smpt"], ["sagemaker"])
    version = crd["spec"]["versions"][0]
    columns = [c["name"] for c in version["additionalPrinterColumns"]]
    assert columns[:4] == ["Ready", "Source", "Last Event", "Runs"]
    source = version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["source"]
    assert "exactly one of sqs" in source["x-kubernetes-validations"][0]["message"]


def test_metric_outcomes_are_the_decision_outcomes() -> None:
    from sagemaker_pipelines_operator.metrics import TRIGGER_OUTCOMES
    from sagemaker_pipelines_operator.triggers.plan import OUTCOMES

    assert TRIGGER_OUTCOMES == OUTCOMES


def test_trigger_example_validates_with_its_pipeline() -> None:
    from pathlib import Path

    from sagemaker_pipelines_operator.validation import load_manifests, read_sources, validate_manifests

    example = Path(__file__).parents[2] / "manifests" / "examples" / "triggers"
    manifests = load_manifests(read_sources([str(example)]))
    assert [r.kind for r in manifests.resources] == ["Pipeline", "PipelineTrigger"]
    assert [str(f) for f in validate_manifests(manifests)] == []

"""From a Pipeline resource to the planner's inputs, and the verdicts a plan leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import find_condition
from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY, Pipeline
from sagemaker_pipelines_operator.errors import Stalled
from sagemaker_pipelines_operator.pipelines.plan.inputs import (
    MAX_PROBLEMS_SHOWN,
    checked_definition,
    definition_source_label,
    desired_pipeline,
)
from sagemaker_pipelines_operator.pipelines.plan.pipeline import PipelineAction, PipelinePlan
from sagemaker_pipelines_operator.pipelines.plan.status import (
    Applied,
    pipeline_verdict,
    precise_rfc3339,
)
from sagemaker_pipelines_operator.reconcile.verdict import ConditionUpdate, apply_verdict, verdict_for_error
from tests.unit.test_pipeline_plan import ARN, DEFINITION, applied, desired

ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"


def manifest(**spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "churn", "namespace": "team-a", "uid": "uid-1"},
        "spec": {"roleArn": ROLE, "definition": {"inline": DEFINITION}, **spec},
    }


def test_desired_defaults_name_and_adds_owner_tag() -> None:
    pipeline = Pipeline.model_validate(
        manifest(tags={"team": "a"}, parallelism={"maxParallelExecutionSteps": 2})
    )
    want = desired_pipeline(pipeline, DEFINITION, cluster_id="prod", region="eu-west-1")
    assert (want.name, want.region, want.parallelism) == ("churn", "eu-west-1", 2)
    assert dict(want.tags) == {"team": "a", OWNER_TAG_KEY: "prod/team-a/churn"}
    assert (want.adopt, want.report_drift, want.s3_location) == (False, False, None)


def test_desired_from_s3_source_carries_the_location() -> None:
    source = {"s3": {"bucket": "defs", "key": "churn.json", "versionId": "3"}}
    pipeline = Pipeline.model_validate(manifest(definition=source, pipelineName="churn-prod"))
    want = desired_pipeline(pipeline, DEFINITION, cluster_id="c", region="us-east-1")
    assert want.name == "churn-prod"
    assert dict(want.s3_location or {}) == {"Bucket": "defs", "ObjectKey": "churn.json", "VersionId": "3"}
    assert definition_source_label(pipeline) == "s3://defs/churn.json?versionId=3"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        pytest.param("{", "not valid JSON", id="broken-json"),
        pytest.param("- a\n- b\n", "must be a JSON object", id="yaml-list"),
        pytest.param(
            {"Version": "2020-12-01", "Steps": []}, "Steps: a pipeline needs at least one step", id="empty"
        ),
        pytest.param(
            {"Version": "2020-12-01", "Steps": [{"Name": "A", "Type": "Trainning", "Arguments": {}}]},
            "step 'A': Type: unknown step type 'Trainning'; did you mean 'Training'?",
            id="names-step-and-field",
        ),
    ],
)
def test_bad_definitions_stall_with_a_precise_message(raw: Any, words: str) -> None:
    with pytest.raises(Stalled) as stalled:
        checked_definition(raw, "configMap defs key churn.json")
    assert stalled.value.reason == c.INVALID_DEFINITION
    assert words in stalled.value.message
    assert "from configMap defs key churn.json" in stalled.value.message


def test_many_problems_are_capped_in_the_message() -> None:
    steps = [{"Name": f"S{i}", "Type": "Nope", "Arguments": {}} for i in range(MAX_PROBLEMS_SHOWN + 3)]
    with pytest.raises(Stalled) as stalled:
        checked_definition({"Version": "2020-12-01", "Steps": steps}, "inline")
    assert f"({MAX_PROBLEMS_SHOWN + 3} problems)" in stalled.value.message
    assert "(and 3 more)" in stalled.value.message


def test_yaml_text_definition_is_accepted() -> None:
    text = "Version: '2020-12-01'\nSteps:\n  - {Name: Train, Type: Training, Arguments: {}}\n"
    assert checked_definition(text, "inline")["Steps"][0]["Name"] == "Train"


def test_report_of_a_missing_pipeline_is_not_ready() -> None:
    plan = PipelinePlan(PipelineAction.REPORT, drift=True, missing=True, message="gone")
    verdict = pipeline_verdict(plan, desired(), applied(), Applied(ARN, None, None))
    assert (verdict.ready, verdict.reason, verdict.stalled) == (
        "False",
        c.PIPELINE_DELETED_IN_SAGEMAKER,
        False,
    )
    assert verdict.also == (
        ConditionUpdate(c.DRIFTED, "True", c.PIPELINE_DELETED_IN_SAGEMAKER, verdict.message),
    )


def test_in_sync_pass_after_reported_drift_clears_drifted() -> None:
    verdict = pipeline_verdict(
        PipelinePlan(PipelineAction.NONE), desired(), applied(drift_reported=True), Applied(ARN, None, None)
    )
    assert [(x.type, x.status, x.reason) for x in verdict.also] == [(c.DRIFTED, "False", c.NO_DRIFT)]


def test_precise_timestamps_keep_microseconds() -> None:
    moment = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
    assert precise_rfc3339(moment) == "2026-03-01T12:00:00.250000Z"


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_verdict_sets_kind_specific_conditions_alongside_kstatus() -> None:
    verdict = pipeline_verdict(
        PipelinePlan(PipelineAction.REPORT, ("RoleArn",), drift=True, message="live differs"),
        desired(),
        applied(),
        Applied(ARN, None, None),
    )
    conditions, event = apply_verdict([], verdict, generation=1, now=NOW)
    drifted = find_condition(conditions, c.DRIFTED)
    assert drifted is not None and (drifted.status, drifted.reason) == ("True", c.DRIFT_DETECTED)
    assert find_condition(conditions, c.READY) is not None
    assert event is not None


def test_a_new_stall_message_posts_a_new_event_with_the_same_reason() -> None:
    first, _ = apply_verdict(
        [], verdict_for_error(Stalled(c.INVALID_DEFINITION, "step 'A': bad")), generation=1, now=NOW
    )
    again, repeat = apply_verdict(
        first, verdict_for_error(Stalled(c.INVALID_DEFINITION, "step 'A': bad")), generation=1, now=NOW
    )
    assert repeat is None
    _, other = apply_verdict(
        again, verdict_for_error(Stalled(c.INVALID_DEFINITION, "step 'B': bad")), generation=2, now=NOW
    )
    assert other is not None and other.type == "Warning" and "step 'B'" in other.message

"""The `smpo diff` plan: manifests + live SageMaker state -> the operator's action, a definition diff
and which runs would start. Pure: live state is given as data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagemaker_pipelines_operator.changes.plan import ChangeSet, Context, Live, plan_changes, targets
from sagemaker_pipelines_operator.changes.report import render_json, render_markdown, render_text
from sagemaker_pipelines_operator.validation import Source, load_manifests

ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train"
OWNER = {"sagemaker.pipelines.dev/owner": "default/ml/train"}
CONTEXT = Context(region="us-east-1", cluster_id="default", namespace="default")

MANIFESTS = f"""\
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: Pipeline
metadata: {{name: train, namespace: ml}}
spec:
  roleArn: {ROLE}
  description: Nightly training
  tags: {{team: ml}}
  runOnChange:
    parameters: {{Epochs: "1"}}
  definition:
    inline:
      Version: "2020-12-01"
      Parameters: [{{Name: Epochs, Type: Integer, DefaultValue: 10}}]
      Steps: [{{Name: Train, Type: Training, Arguments: {{Image: trainer:2}}}}]
---
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: PipelineRun
metadata: {{name: train-once, namespace: ml}}
spec:
  pipelineRef: {{name: train}}
  parameters: {{Epochs: "3"}}
"""
DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "Epochs", "Type": "Integer", "DefaultValue": 10}],
    "Steps": [{"Name": "Train", "Type": "Training", "Arguments": {"Image": "trainer:2"}}],
}
OLD_DEFINITION = {
    **DEFINITION,
    "Steps": [{"Name": "Train", "Type": "Training", "Arguments": {"Image": "trainer:1"}}],
}


def described(definition: dict[str, Any] = DEFINITION, **overrides: Any) -> dict[str, Any]:
    return {
        "PipelineArn": ARN,
        "PipelineName": "train",
        "PipelineDefinition": json.dumps(definition),
        "RoleArn": ROLE,
        "PipelineDescription": "Nightly training",
        **overrides,
    }


def plan(live: Live, text: str = MANIFESTS) -> ChangeSet:
    manifests = load_manifests([Source("pipelines.yaml", text)])
    return plan_changes(manifests, {t.key: live for t in targets(manifests, CONTEXT)}, CONTEXT)


IN_SYNC = Live(described(), {**OWNER, "team": "ml"})


@pytest.mark.parametrize(
    ("live", "action", "changed"),
    [
        pytest.param(Live(None), "create", ["roleArn", "description"], id="absent-create"),
        pytest.param(IN_SYNC, "none", [], id="in-sync-none"),
        pytest.param(
            Live(described(OLD_DEFINITION), {**OWNER, "team": "ml"}), "update", [], id="definition-update"
        ),
        pytest.param(
            Live(described(RoleArn="arn:aws:iam::123456789012:role/Old"), {**OWNER, "team": "ml"}),
            "update",
            ["roleArn"],
            id="role-update",
        ),
        pytest.param(
            Live(described(), {"sagemaker.pipelines.dev/owner": "prod/ml/train"}),
            "refuse",
            [],
            id="owned-elsewhere",
        ),
        pytest.param(Live(described(), {"team": "ml"}), "refuse", [], id="unowned-without-adopt"),
    ],
)
def test_pipeline_action_is_the_operators(live: Live, action: str, changed: list[str]) -> None:
    [change] = plan(live).pipelines
    assert change.action == action
    assert [s.field for s in change.settings] == changed
    assert change.target.name == "train"
    assert change.target.region == "us-east-1"


def test_new_pipeline_diff_adds_the_whole_definition() -> None:
    [change] = plan(Live(None)).pipelines
    lines = change.definition_diff.splitlines()
    assert lines[:2] == ["--- live", "+++ desired"]
    assert '+        "Image": "trainer:2"' in lines
    assert not any(line.startswith("-") and not line.startswith("---") for line in lines)


def test_changed_step_shows_exactly_that_line() -> None:
    [change] = plan(Live(described(OLD_DEFINITION), {**OWNER, "team": "ml"})).pipelines
    changed = [
        line
        for line in change.definition_diff.splitlines()
        if line[:1] in "+-" and line[:3] not in ("---", "+++")
    ]
    assert changed == ['-        "Image": "trainer:1"', '+        "Image": "trainer:2"']
    assert change.run_on_change == {"Epochs": "1"}


def test_key_order_and_whitespace_are_not_changes() -> None:
    reordered = json.dumps(dict(reversed(list(DEFINITION.items()))), indent=4)
    live = Live({**described(), "PipelineDefinition": reordered}, {**OWNER, "team": "ml"})
    [change] = plan(live).pipelines
    assert (change.action, change.definition_diff, change.run_on_change) == ("none", "", None)


def test_tag_changes_are_listed_and_system_tags_kept() -> None:
    live = Live(described(), {**OWNER, "team": "data", "old": "x", "aws:cloudformation:stack": "s"})
    [change] = plan(live).pipelines
    assert change.action == "update"
    assert change.tags_added == {"team": "ml"}
    assert change.tags_removed == {"old": "x"}


def test_unowned_pipeline_is_adopted_when_the_spec_allows() -> None:
    text = MANIFESTS.replace(
        "  description: Nightly training\n", "  description: Nightly training\n  adoptionPolicy: Adopt\n"
    )
    [change] = plan(Live(described(), {"team": "ml"}), text).pipelines
    assert change.action == "adopt"
    assert change.tags_added == OWNER


def test_refusal_explains_who_owns_the_pipeline() -> None:
    changes = plan(Live(described(), {"sagemaker.pipelines.dev/owner": "prod/ml/train"}))
    assert changes.refused[0].message.startswith("SageMaker pipeline train is managed by prod/ml/train")


@pytest.mark.parametrize(
    ("executions", "text", "starts", "reason"),
    [
        pytest.param((), MANIFESTS, True, "new run; starts once Pipeline 'train' is Ready", id="new"),
        pytest.param(
            (
                {
                    "PipelineExecutionDisplayName": "train-once",
                    "PipelineExecutionArn": "arn:x",
                    "PipelineExecutionStatus": "Succeeded",
                },
            ),
            MANIFESTS,
            False,
            "already ran: execution arn:x (Succeeded)",
            id="already-ran",
        ),
        pytest.param(
            ({"PipelineExecutionDisplayName": "other-run", "PipelineExecutionArn": "arn:y"},),
            MANIFESTS,
            True,
            "new run",
            id="other-executions-only",
        ),
        pytest.param((), MANIFESTS + "  cancel: true\n", False, "spec.cancel is true", id="cancelled"),
    ],
)
def test_run_starts_unless_it_already_ran_or_is_cancelled(
    executions: tuple[dict[str, Any], ...], text: str, starts: bool, reason: str
) -> None:
    [run] = plan(Live(described(), {**OWNER, "team": "ml"}, executions), text).runs
    assert run.starts is starts
    assert run.reason.startswith(reason)
    assert run.parameters == ({"Epochs": "3"} if starts else {})


def test_run_waits_for_the_pipeline_change_it_comes_with() -> None:
    [run] = plan(Live(None)).runs
    assert run.reason == "new run; starts once Pipeline 'train' is Ready after the pipeline's create"


def test_reports_render_the_same_plan() -> None:
    changes = plan(Live(described(OLD_DEFINITION), {**OWNER, "team": "ml"}))
    text, markdown, data = render_text(changes), render_markdown(changes), json.loads(render_json(changes))
    assert (
        text.splitlines()[0]
        == "Pipeline ml/train -> SageMaker pipeline train (us-east-1): update  [pipelines.yaml:1]"
    )
    assert text.splitlines()[-1] == "Plan: 1 update; 1 of 1 PipelineRun(s) would start."
    assert "| `Pipeline ml/train` | `train` (us-east-1) | **update** | definition |" in markdown
    assert "````diff\n--- live\n+++ desired\n" in markdown
    assert data["pipelines"][0]["action"] == "update"
    assert data["runs"][0]["starts"] is True

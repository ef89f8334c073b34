"""plan_pipeline: one table row per situation a Pipeline can meet in SageMaker."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY
from sagemaker_pipelines_operator.definition import canonical_json
from sagemaker_pipelines_operator.pipelines.plan.pipeline import (
    DesiredPipeline,
    Ownership,
    PipelineAction,
    Recorded,
    owner_tag_value,
    ownership,
    plan_pipeline,
)
from sagemaker_pipelines_operator.reconcile.live_pipeline import LivePipeline, live_pipeline

OWNER = "default/team-a/churn"
ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn"
DEFINITION: dict[str, Any] = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "Epochs", "Type": "Integer", "DefaultValue": 3}],
    "Steps": [{"Name": "Train", "Type": "Training", "Arguments": {"Epochs": {"Get": "Parameters.Epochs"}}}],
}
CHANGED_DEFINITION = {**DEFINITION, "Parameters": [{"Name": "Epochs", "Type": "Integer", "DefaultValue": 5}]}
T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def desired(**changes: Any) -> DesiredPipeline:
    base = DesiredPipeline(
        name="churn",
        region="us-east-1",
        role_arn=ROLE,
        definition=DEFINITION,
        owner=OWNER,
        tags={"team": "a", OWNER_TAG_KEY: OWNER},
    )
    return replace(base, **changes)


def live(**changes: Any) -> LivePipeline:
    base = LivePipeline(
        arn=ARN,
        name="churn",
        definition_hash=desired().definition_hash,
        role_arn=ROLE,
        display_name="churn",
        last_modified=T0,
        tags={"team": "a", OWNER_TAG_KEY: OWNER},
    )
    return replace(base, **changes)


def applied(**changes: Any) -> Recorded:
    """Status after a successful apply of `desired()`."""
    base = Recorded(
        arn=ARN,
        pipeline_name="churn",
        region="us-east-1",
        definition_hash=desired().definition_hash,
        applied_hash=desired().fingerprint(),
        pipeline_version_id=1,
        last_modified=T0,
    )
    return replace(base, **changes)


CHANGED_HASH = desired(definition=CHANGED_DEFINITION).definition_hash

CASES = [
    pytest.param(desired(), None, Recorded(), PipelineAction.CREATE, (), False, id="new-pipeline-is-created"),
    pytest.param(
        desired(),
        None,
        applied(),
        PipelineAction.CREATE,
        (),
        True,
        id="deleted-behind-our-back-is-recreated-under-correct",
    ),
    pytest.param(
        desired(report_drift=True),
        None,
        applied(),
        PipelineAction.REPORT,
        (),
        True,
        id="deleted-behind-our-back-is-reported-under-report",
    ),
    pytest.param(
        desired(report_drift=True, description="new"),
        None,
        applied(),
        PipelineAction.CREATE,
        (),
        True,
        id="deleted-and-spec-changed-applies-git-even-under-report",
    ),
    pytest.param(
        desired(),
        None,
        applied(pipeline_name="old-name"),
        PipelineAction.CREATE,
        (),
        False,
        id="status-about-another-name-is-not-a-deletion",
    ),
    pytest.param(desired(), live(), applied(), PipelineAction.NONE, (), False, id="in-sync-does-nothing"),
    pytest.param(
        desired(),
        live(),
        Recorded(),
        PipelineAction.NONE,
        (),
        False,
        id="in-sync-after-restart-without-status",
    ),
    pytest.param(
        desired(definition=CHANGED_DEFINITION),
        live(),
        applied(),
        PipelineAction.UPDATE,
        ("PipelineDefinition",),
        False,
        id="definition-change-from-git-updates",
    ),
    pytest.param(
        desired(),
        live(definition_hash=CHANGED_HASH),
        applied(),
        PipelineAction.UPDATE,
        ("PipelineDefinition",),
        True,
        id="definition-drift-is-corrected",
    ),
    pytest.param(
        desired(report_drift=True),
        live(definition_hash=CHANGED_HASH),
        applied(applied_hash=desired(report_drift=True).fingerprint()),
        PipelineAction.REPORT,
        ("PipelineDefinition",),
        True,
        id="definition-drift-is-reported",
    ),
    pytest.param(
        desired(),
        live(role_arn="arn:aws:iam::123456789012:role/Other"),
        applied(),
        PipelineAction.UPDATE,
        ("RoleArn",),
        True,
        id="role-drift-is-corrected",
    ),
    pytest.param(
        desired(description="Churn model"),
        live(description="edited in the console"),
        applied(),
        PipelineAction.UPDATE,
        ("PipelineDescription",),
        False,
        id="description-change-updates",
    ),
    pytest.param(
        desired(parallelism=4),
        live(parallelism=2),
        applied(),
        PipelineAction.UPDATE,
        ("ParallelismConfiguration",),
        False,
        id="parallelism-change-updates",
    ),
    pytest.param(
        desired(display_name="Churn"),
        live(display_name="churn"),
        applied(),
        PipelineAction.UPDATE,
        ("PipelineDisplayName",),
        False,
        id="display-name-change-updates",
    ),
    pytest.param(
        desired(),
        live(display_name="Set by SageMaker", description="also", parallelism=50),
        applied(),
        PipelineAction.NONE,
        (),
        False,
        id="settings-unset-in-the-spec-are-not-managed",
    ),
    pytest.param(
        desired(),
        live(
            tags={
                "team": "a",
                OWNER_TAG_KEY: OWNER,
                "aws:cloudformation:stack": "x",
                "sagemaker:project": "p",
            }
        ),
        applied(),
        PipelineAction.NONE,
        (),
        False,
        id="system-tags-are-left-alone",
    ),
]


@pytest.mark.parametrize(("want", "now", "before", "action", "changed", "drift"), CASES)
def test_plan(
    *,
    want: DesiredPipeline,
    now: LivePipeline | None,
    before: Recorded,
    action: PipelineAction,
    changed: tuple[str, ...],
    drift: bool,
) -> None:
    plan = plan_pipeline(want, now, before)
    assert (plan.action, plan.changed, plan.drift) == (action, changed, drift)


def test_extra_and_changed_tags_are_synced_both_ways() -> None:
    plan = plan_pipeline(
        desired(tags={"team": "b", "cost": "ml", OWNER_TAG_KEY: OWNER}),
        live(tags={"team": "a", "stale": "x", OWNER_TAG_KEY: OWNER}),
        applied(),
    )
    assert plan.action is PipelineAction.UPDATE
    assert dict(plan.add_tags) == {"cost": "ml", "team": "b"}
    assert plan.delete_tags == ("stale",)
    assert plan.changed == ()
    assert plan.writes


def test_tag_drift_under_report_names_tags() -> None:
    want = desired(report_drift=True)
    plan = plan_pipeline(
        want, live(tags={"team": "z", OWNER_TAG_KEY: OWNER}), applied(applied_hash=want.fingerprint())
    )
    assert plan.action is PipelineAction.REPORT
    assert plan.message == "live pipeline differs from the spec in: tags"
    assert not plan.writes


def test_pipeline_owned_by_another_resource_is_refused() -> None:
    other = "default/team-b/churn"
    plan = plan_pipeline(desired(adopt=True), live(tags={OWNER_TAG_KEY: other}), Recorded())
    assert plan.action is PipelineAction.REFUSE
    assert other in plan.message
    assert not plan.writes


def test_unowned_pipeline_is_refused_without_adopt() -> None:
    plan = plan_pipeline(desired(), live(tags={}), Recorded())
    assert plan.action is PipelineAction.REFUSE
    assert "adoptionPolicy: Adopt" in plan.message


def test_unowned_pipeline_is_adopted_with_adopt_claiming_it_by_tag() -> None:
    plan = plan_pipeline(
        desired(adopt=True, definition=CHANGED_DEFINITION), live(tags={"old": "tag"}), Recorded()
    )
    assert plan.action is PipelineAction.ADOPT
    assert plan.add_tags[OWNER_TAG_KEY] == OWNER
    assert plan.changed == ("PipelineDefinition",)
    assert plan.delete_tags == ("old",)


def test_owner_tag_removed_outside_git_is_drift_not_adoption() -> None:
    plan = plan_pipeline(desired(), live(tags={"team": "a"}), applied())
    assert plan.action is PipelineAction.UPDATE
    assert plan.drift
    assert dict(plan.add_tags) == {OWNER_TAG_KEY: OWNER}


def test_definitions_compare_by_canonical_hash_not_text() -> None:
    reordered = json.loads(json.dumps(DEFINITION, indent=4, sort_keys=False))
    reordered["Steps"][0] = dict(reversed(list(reordered["Steps"][0].items())))
    described = {
        "PipelineArn": ARN,
        "PipelineName": "churn",
        "PipelineDefinition": json.dumps(reordered, indent=3),
    }
    assert json.dumps(reordered, indent=3) != canonical_json(DEFINITION)
    now = replace(live_pipeline(described, {"team": "a", OWNER_TAG_KEY: OWNER}), role_arn=ROLE)
    assert plan_pipeline(desired(), now, applied()).action is PipelineAction.NONE


def test_unreadable_live_definition_counts_as_different() -> None:
    described = {
        "PipelineArn": ARN,
        "PipelineName": "churn",
        "PipelineDefinition": "{not json",
        "RoleArn": ROLE,
    }
    now = live_pipeline(described, {"team": "a", OWNER_TAG_KEY: OWNER})
    assert now.definition_hash is None
    assert plan_pipeline(desired(), now, applied()).changed == ("PipelineDefinition",)


def test_live_pipeline_reads_parallelism_and_times() -> None:
    described = {
        "PipelineArn": ARN,
        "PipelineName": "churn",
        "PipelineDefinition": canonical_json(DEFINITION),
        "ParallelismConfiguration": {"MaxParallelExecutionSteps": 3},
        "LastModifiedTime": T0,
    }
    now = live_pipeline(described, {})
    assert (now.parallelism, now.last_modified, now.definition_hash) == (3, T0, desired().definition_hash)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param({OWNER_TAG_KEY: OWNER}, Ownership.OURS, id="ours"),
        pytest.param({}, Ownership.UNOWNED, id="no-owner-tag"),
        pytest.param({OWNER_TAG_KEY: "other/ns/name"}, Ownership.ELSEWHERE, id="another-resource"),
        pytest.param(
            {OWNER_TAG_KEY: "other-cluster/team-a/churn"}, Ownership.ELSEWHERE, id="another-cluster"
        ),
    ],
)
def test_ownership(tags: dict[str, str], expected: Ownership) -> None:
    assert ownership(tags, OWNER) is expected


def test_owner_tag_value_names_cluster_namespace_and_name() -> None:
    assert owner_tag_value("prod-eu", "team-a", "churn") == "prod-eu/team-a/churn"


def test_overlong_owner_tag_values_fit_the_limit_and_stay_distinct() -> None:
    first = owner_tag_value("c", "n" * 63, "a" * 253)
    second = owner_tag_value("c", "n" * 63, "a" * 252 + "b")
    assert len(first) == len(second) == 256
    assert first != second


def test_fingerprint_ignores_policies_but_not_settings() -> None:
    assert desired().fingerprint() == desired(report_drift=True, adopt=True).fingerprint()
    assert desired().fingerprint() != desired(description="x").fingerprint()
    assert desired().fingerprint() != desired(tags={OWNER_TAG_KEY: OWNER}).fingerprint()

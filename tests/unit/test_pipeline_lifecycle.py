"""Pure lifecycle decisions around a Pipeline: tenancy, deletion, resync and runOnChange."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.errors import Stalled
from sagemaker_pipelines_operator.pipelines.plan.deletion import DeletionStep, plan_deletion
from sagemaker_pipelines_operator.pipelines.plan.pipeline import Ownership, Recorded
from sagemaker_pipelines_operator.pipelines.plan.resync import (
    ResyncAction,
    resync_action,
    resync_precheck,
)
from sagemaker_pipelines_operator.pipelines.plan.run_on_change import (
    run_on_change_due,
    run_on_change_manifest,
    run_on_change_name,
)
from sagemaker_pipelines_operator.reconcile.backoff import backoff_delay
from sagemaker_pipelines_operator.reconcile.execution import Execution
from sagemaker_pipelines_operator.reconcile.tenancy import ROLE_ANNOTATION, namespace_role
from tests.unit.test_pipeline_plan import T0, applied

ROLE = "arn:aws:iam::111122223333:role/team-a"


@pytest.mark.parametrize(
    ("annotations", "require", "accounts", "expected"),
    [
        pytest.param({}, False, (), None, id="no-annotation-uses-operator-credentials"),
        pytest.param({ROLE_ANNOTATION: ROLE}, False, (), ROLE, id="annotation-role-is-assumed"),
        pytest.param({ROLE_ANNOTATION: ROLE}, True, ("111122223333",), ROLE, id="allowed-account"),
        pytest.param({ROLE_ANNOTATION: f" {ROLE} "}, True, (), ROLE, id="whitespace-trimmed"),
    ],
)
def test_namespace_role_allowed(
    annotations: dict[str, str], require: bool, accounts: tuple[str, ...], expected: str | None
) -> None:
    assert namespace_role("team-a", annotations, require_role=require, allowed_accounts=accounts) == expected


@pytest.mark.parametrize(
    ("annotations", "require", "accounts", "words"),
    [
        pytest.param({}, True, (), "--require-namespace-role", id="role-required"),
        pytest.param({ROLE_ANNOTATION: ""}, True, (), "has no", id="empty-annotation-counts-as-none"),
        pytest.param({ROLE_ANNOTATION: "team-a-role"}, False, (), "not an IAM role ARN", id="not-an-arn"),
        pytest.param(
            {ROLE_ANNOTATION: ROLE}, False, ("999999999999",), "111122223333", id="account-not-allowed"
        ),
    ],
)
def test_namespace_role_refused(
    annotations: dict[str, str], require: bool, accounts: tuple[str, ...], words: str
) -> None:
    with pytest.raises(Stalled) as refused:
        namespace_role("team-a", annotations, require_role=require, allowed_accounts=accounts)
    assert refused.value.reason == c.NAMESPACE_NOT_ALLOWED
    assert words in refused.value.message
    assert "team-a" in refused.value.message


def execution(arn: str, status: str) -> Execution:
    return Execution(arn, status)


@pytest.mark.parametrize(
    ("policy", "owner", "executions", "step", "stop"),
    [
        pytest.param(
            "Retain", Ownership.OURS, [execution("a", "Executing")], DeletionStep.RETAIN, (), id="retain"
        ),
        pytest.param("Delete", None, [], DeletionStep.GONE, (), id="already-gone"),
        pytest.param("Delete", Ownership.ELSEWHERE, [], DeletionStep.NOT_OURS, (), id="owned-elsewhere-kept"),
        pytest.param("Delete", Ownership.UNOWNED, [], DeletionStep.NOT_OURS, (), id="unowned-kept"),
        pytest.param(
            "Delete",
            Ownership.OURS,
            [execution("a", "Executing"), execution("b", "Succeeded"), execution("c", "Stopping")],
            DeletionStep.STOP,
            ("a",),
            id="active-executions-stopped-first",
        ),
        pytest.param(
            "Delete",
            Ownership.OURS,
            [execution("c", "Stopping")],
            DeletionStep.WAIT,
            (),
            id="waits-while-stopping",
        ),
        pytest.param(
            "Delete",
            Ownership.OURS,
            [execution("b", "Succeeded"), execution("d", "Failed"), execution("e", "Stopped")],
            DeletionStep.DELETE,
            (),
            id="deleted-when-nothing-active",
        ),
    ],
)
def test_plan_deletion(
    policy: str,
    owner: Ownership | None,
    executions: list[Execution],
    step: DeletionStep,
    stop: tuple[str, ...],
) -> None:
    plan = plan_deletion("churn", policy, owner, executions)
    assert (plan.step, plan.stop) == (step, stop)
    assert "churn" in plan.message


@pytest.mark.parametrize(
    ("recorded", "stalled", "in_progress", "expected"),
    [
        pytest.param(applied(), None, False, None, id="applied-consults-listing"),
        pytest.param(Recorded(), None, False, ResyncAction.SKIP, id="never-applied-skips"),
        pytest.param(applied(), None, True, ResyncAction.SKIP, id="change-in-progress-skips"),
        pytest.param(applied(), c.INVALID_DEFINITION, False, ResyncAction.SKIP, id="stalled-waits-for-spec"),
        pytest.param(applied(), c.OWNED_ELSEWHERE, False, ResyncAction.SKIP, id="owned-elsewhere-waits"),
        pytest.param(
            Recorded(), c.NAMESPACE_NOT_ALLOWED, False, ResyncAction.RECONCILE, id="tenancy-refusal-rechecked"
        ),
    ],
)
def test_resync_precheck(
    recorded: Recorded, stalled: str | None, in_progress: bool, expected: ResyncAction | None
) -> None:
    assert resync_precheck(recorded, stalled_reason=stalled, in_progress=in_progress) == expected


@pytest.mark.parametrize(
    ("recorded", "summary", "moved", "expected"),
    [
        pytest.param(
            applied(), {"LastModifiedTime": T0}, False, ResyncAction.CONFIRM, id="unmodified-confirms"
        ),
        pytest.param(
            applied(),
            {"LastModifiedTime": T0.replace(microsecond=0)},
            False,
            ResyncAction.RECONCILE,
            id="modified",
        ),
        pytest.param(applied(), None, False, ResyncAction.RECONCILE, id="not-listed-maybe-deleted"),
        pytest.param(
            applied(last_modified=None),
            {"LastModifiedTime": T0},
            False,
            ResyncAction.RECONCILE,
            id="after-a-write",
        ),
        pytest.param(applied(), {"LastModifiedTime": T0}, True, ResyncAction.RECONCILE, id="s3-source-moved"),
    ],
)
def test_resync_action(
    recorded: Recorded, summary: dict[str, Any] | None, moved: bool, expected: ResyncAction
) -> None:
    assert resync_action(recorded, summary, source_moved=moved) is expected


@pytest.mark.parametrize(
    ("recorded", "due"),
    [
        pytest.param(Recorded(), True, id="first-apply"),
        pytest.param(Recorded(definition_hash="old", run_on_change_hash="old"), True, id="new-definition"),
        pytest.param(Recorded(definition_hash="new", run_on_change_hash="old"), False, id="already-applied"),
        pytest.param(
            Recorded(definition_hash="old", run_on_change_hash="new"), False, id="run-already-recorded"
        ),
    ],
)
def test_run_on_change_due(recorded: Recorded, due: bool) -> None:
    assert run_on_change_due("new", recorded) is due


def test_run_on_change_name_is_deterministic_and_short() -> None:
    digest = "ab" * 32
    assert run_on_change_name("churn", digest) == "churn-ababababab"
    long_name = run_on_change_name("x" * 253, digest)
    assert len(long_name) <= 63
    assert long_name.endswith("-ababababab")
    assert run_on_change_name("a" * 52 + "-b", digest) == "a" * 52 + "-ababababab"


def test_run_on_change_manifest_is_a_valid_pipeline_run_owned_by_the_pipeline() -> None:
    manifest = run_on_change_manifest(
        namespace="team-a",
        pipeline="churn",
        pipeline_uid="uid-1",
        definition_hash="cd" * 32,
        parameters={"Epochs": "5"},
    )
    run = PipelineRun.model_validate(manifest)
    assert run.spec.pipeline_ref is not None and run.spec.pipeline_ref.name == "churn"
    assert run.spec.parameters == {"Epochs": "5"}
    owner = manifest["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["uid"], owner["controller"]) == ("Pipeline", "uid-1", True)


@pytest.mark.parametrize(
    ("attempt", "first", "cap", "expected"),
    [
        pytest.param(0, 1.0, 30.0, 1.0, id="first-retry"),
        pytest.param(3, 2.0, 120.0, 16.0, id="doubles"),
        pytest.param(10, 2.0, 120.0, 120.0, id="capped"),
        pytest.param(-1, 1.0, 30.0, 1.0, id="negative-attempt-is-first"),
    ],
)
def test_backoff_delay(attempt: int, first: float, cap: float, expected: float) -> None:
    assert backoff_delay(attempt, first=first, cap=cap) == expected

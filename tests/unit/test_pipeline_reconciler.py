"""PipelineReconciler with Kubernetes and SageMaker in memory: a table of what one pass does in
each situation a Pipeline meets (create, adopt, refuse, invalid, throttled ...), then the passes
that follow one another (unchanged resync, drift, update, deletion with its finalizer)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.pipeline import OWNER_TAG_KEY
from sagemaker_pipelines_operator.errors import Stalled, Transient
from sagemaker_pipelines_operator.pipelines.plan.requests import request_token
from tests.unit.pipeline_world import (
    DEFINITION,
    NAME,
    NAMESPACE,
    OWNER,
    ROLE,
    TENANT_ROLE,
    PipelineWorld,
    definition,
    owned_by,
    refuse_role,
)

Setup = Callable[[PipelineWorld], None]


def nothing(world: PipelineWorld) -> None:
    return None


def unowned_pipeline(world: PipelineWorld) -> None:
    world.sagemaker.seed(NAME, {"team": "b"})


def pipeline_of_another(world: PipelineWorld) -> None:
    world.sagemaker.seed(NAME, owned_by(f"default/{NAMESPACE}/someone-else"))


def throttled(world: PipelineWorld) -> None:
    world.sagemaker.fail_next["describe"] = Transient(
        c.AWS_UNAVAILABLE, "DescribePipeline: ThrottlingException"
    )


def quota_full(world: PipelineWorld) -> None:
    world.sagemaker.fail_next["create"] = Transient(
        c.AWS_UNAVAILABLE, "CreatePipeline: ResourceLimitExceeded", delay=30.0
    )


def access_denied(world: PipelineWorld) -> None:
    world.sagemaker.fail_next["describe"] = Stalled(c.AWS_REJECTED, "DescribePipeline: AccessDenied")


BROKEN_DEFINITION = {"Version": "2020-12-01", "Steps": [{"Name": "Train", "Type": "NoSuchStep"}]}


@dataclass(frozen=True)
class FirstPass:
    setup: Setup
    spec: dict[str, Any]
    ready: tuple[str, str]
    """Ready's status and reason."""
    stalled: str
    writes: list[str]
    """The SageMaker writes, in order."""
    requeue: float | None = None


FIRST_PASS = [
    pytest.param(FirstPass(nothing, {}, ("True", c.RECONCILED), "False", ["create"]), id="create"),
    pytest.param(
        FirstPass(
            unowned_pipeline,
            {"adoptionPolicy": "Adopt"},
            ("True", c.RECONCILED),
            "False",
            ["add_tags", "update", "delete_tags"],
        ),
        id="adopt-unowned",
    ),
    pytest.param(
        FirstPass(unowned_pipeline, {}, ("False", c.OWNED_ELSEWHERE), "True", []), id="never-adopts-unowned"
    ),
    pytest.param(
        FirstPass(pipeline_of_another, {"adoptionPolicy": "Adopt"}, ("False", c.OWNED_ELSEWHERE), "True", []),
        id="never-takes-another-owners",
    ),
    pytest.param(
        FirstPass(
            nothing,
            {"definition": {"inline": BROKEN_DEFINITION}},
            ("False", c.INVALID_DEFINITION),
            "True",
            [],
        ),
        id="invalid-definition-stalls",
    ),
    pytest.param(
        FirstPass(nothing, {"roleArn": None}, ("False", c.INVALID_SPEC), "True", []), id="invalid-spec"
    ),
    pytest.param(
        FirstPass(throttled, {}, ("False", c.AWS_UNAVAILABLE), "False", [], requeue=2.0),
        id="throttled-backs-off",
    ),
    pytest.param(
        FirstPass(quota_full, {}, ("False", c.AWS_UNAVAILABLE), "False", ["create"], requeue=30.0),
        id="quota-keeps-its-delay",
    ),
    pytest.param(
        FirstPass(access_denied, {}, ("False", c.AWS_REJECTED), "True", []), id="access-denied-stalls"
    ),
    pytest.param(
        FirstPass(
            nothing,
            {"definition": {"configMapRef": {"name": "defs", "key": "pipeline.json"}}},
            ("False", c.DEFINITION_SOURCE_NOT_FOUND),
            "False",
            [],
            requeue=10.0,
        ),
        id="missing-configmap-waits",
    ),
]


@pytest.mark.parametrize("case", FIRST_PASS)
def test_first_pass(case: FirstPass) -> None:
    world = PipelineWorld()
    case.setup(world)
    world.add(**case.spec)
    if case.spec.get("roleArn", "") is None:  # a spec the models reject (an older CRD, say)
        del world.kube.objects[("pipelines", NAMESPACE, NAME)]["spec"]["roleArn"]
    result = world.reconcile()
    assert world.condition() == case.ready
    assert world.condition(c.STALLED)[0] == case.stalled
    assert world.writes() == case.writes
    assert (result.requeue.after if result.requeue else None) == case.requeue
    assert world.status["observedGeneration"] == 1
    assert case.ready[1] in world.event_reasons  # the transition to this Ready is announced


def test_create_records_what_it_applied_and_tags_the_owner() -> None:
    world = PipelineWorld()
    world.add(tags={"team": "a"})
    world.reconcile()
    status = world.status
    assert status["arn"].endswith(f"/{NAME}")
    assert status["pipelineVersionId"] == 1
    assert status["parameters"] == [{"name": "Epochs", "type": "Integer", "default": "3"}]
    assert world.live_tags == {"team": "a", OWNER_TAG_KEY: OWNER}
    assert world.event_reasons == [c.CREATED, c.RECONCILED]
    assert world.roles_used == [TENANT_ROLE]
    request = world.sagemaker.calls[1][1]
    assert request["RoleArn"] == ROLE


def test_adoption_claims_the_pipeline_before_changing_it() -> None:
    world = PipelineWorld()
    unowned_pipeline(world)
    world.add(adoptionPolicy="Adopt")
    world.reconcile()
    first_write = next(params for name, params in world.sagemaker.calls if name == "add_tags")
    assert first_write["Tags"] == [{"Key": OWNER_TAG_KEY, "Value": OWNER}]
    assert world.live_tags == {OWNER_TAG_KEY: OWNER}  # the others' tag is not the spec's
    assert c.ADOPTED in world.event_reasons


def test_unchanged_pass_writes_nothing_and_announces_nothing() -> None:
    world = PipelineWorld()
    world.add()
    world.reconcile()
    calls, events = len(world.writes()), len(world.kube.events)
    world.later(60)
    result = world.reconcile()
    assert world.writes()[calls:] == []
    assert len(world.kube.events) == events
    assert result.requeue is None
    assert world.condition() == ("True", c.RECONCILED)


def test_resync_reads_the_modification_time_once_then_only_confirms() -> None:
    world = PipelineWorld()
    world.add()
    world.reconcile()
    assert world.status.get("lastModifiedTime") is None  # our write moved it: read it afresh
    world.later(300)
    assert world.resync() is not None  # a full pass, which finds nothing to write
    assert world.status["lastModifiedTime"] is not None
    describes = world.sagemaker.count("describe")
    world.later(300)
    assert world.resync() is None
    assert world.sagemaker.count("describe") == describes  # the listing sufficed
    assert world.status["lastSyncTime"] == "2026-03-01T12:10:00Z"
    assert world.writes() == ["create"]


def test_resync_skips_a_pipeline_whose_change_is_in_progress() -> None:
    world = PipelineWorld()
    world.add()
    world.reconcile()
    world.change(description="new")  # generation 2, not yet observed
    assert world.resync() is None
    assert world.sagemaker.count("listed") == 0
    assert world.writes() == ["create"]


def settled(world: PipelineWorld) -> None:
    """Created, then resynced once: status knows the pipeline's modification time."""
    world.add()
    world.reconcile()
    world.later(300)
    world.resync()


def modified_in_sagemaker(world: PipelineWorld) -> None:
    settled(world)
    world.later(60)
    world.sagemaker.tamper(NAME, PipelineDescription="edited by hand")


def spec_changed(world: PipelineWorld) -> None:
    settled(world)
    world.change(description="new")


def never_resynced(world: PipelineWorld) -> None:
    world.add()
    world.reconcile()


@pytest.mark.parametrize(
    ("setup", "full_pass"),
    [
        pytest.param(settled, False, id="settled-costs-a-listing-share"),
        pytest.param(modified_in_sagemaker, True, id="modified-while-down"),
        pytest.param(spec_changed, True, id="spec-changed-while-down"),
        pytest.param(never_resynced, True, id="modification-time-unknown"),
    ],
)
def test_resume_after_a_restart_passes_only_over_what_may_have_changed(setup: Setup, full_pass: bool) -> None:
    world = PipelineWorld()
    setup(world)
    describes = world.sagemaker.count("describe")
    world.later(3600)
    result = world.resume()
    assert (result is not None) is full_pass
    assert world.sagemaker.count("describe") == describes + (1 if full_pass else 0)


@pytest.mark.parametrize(
    ("policy", "writes", "drifted", "ready_reason"),
    [
        pytest.param("Correct", ["update"], ("False", c.DRIFT_CORRECTED), c.RECONCILED, id="correct"),
        pytest.param("Report", [], ("True", c.DRIFT_DETECTED), c.RECONCILED, id="report"),
    ],
)
def test_drift_found_by_resync(
    policy: str, writes: list[str], drifted: tuple[str, str], ready_reason: str
) -> None:
    world = PipelineWorld()
    world.add(driftPolicy=policy)
    world.reconcile()
    world.later(300)
    world.resync()  # records LastModifiedTime
    world.sagemaker.tamper(NAME, RoleArn="arn:aws:iam::123456789012:role/ClickOps")
    world.later(300)
    world.resync()
    assert world.writes()[1:] == writes
    assert world.condition(c.DRIFTED) == drifted
    assert world.condition() == ("True", ready_reason)
    assert world.status["driftCount"] == 1
    assert (c.DRIFT_CORRECTED if policy == "Correct" else c.DRIFT_DETECTED) in world.event_reasons
    world.later(300)
    world.resync()
    assert world.status["driftCount"] == 1  # a standing drift is counted once


def test_pipeline_deleted_in_sagemaker_is_recreated_with_a_new_token() -> None:
    world = PipelineWorld()
    world.add()
    world.reconcile()
    first = world.sagemaker.calls[1][1]["ClientRequestToken"]
    world.sagemaker.remove(NAME)
    world.reconcile()
    creates = [params for name, params in world.sagemaker.calls if name == "create"]
    assert len(creates) == 2 and creates[1]["ClientRequestToken"] != first
    assert c.PIPELINE_DELETED_IN_SAGEMAKER in world.event_reasons
    assert world.condition(c.DRIFTED) == ("False", c.DRIFT_CORRECTED)


def test_spec_update_is_applied_as_a_new_version_not_drift() -> None:
    world = PipelineWorld()
    world.add()
    world.reconcile()
    world.change(definition={"inline": definition(epochs=5)})
    world.reconcile()
    update = next(params for name, params in world.sagemaker.calls if name == "update")
    assert set(update) == {"PipelineName", "PipelineDefinition"}
    assert world.status["pipelineVersionId"] == 2
    assert world.status["observedGeneration"] == 2
    assert world.status["parameters"][0]["default"] == "5"
    assert c.UPDATED in world.event_reasons
    assert c.DRIFT_CORRECTED not in world.event_reasons
    assert world.status.get("driftCount", 0) == 0


def test_a_write_that_finds_the_pipeline_gone_looks_again_shortly(monkeypatch: pytest.MonkeyPatch) -> None:
    world = PipelineWorld()
    world.add()
    world.reconcile()
    world.change(description="new")
    original = world.sagemaker.update

    def deleted_meanwhile(request: Any) -> int | None:  # between our DescribePipeline and the write
        world.sagemaker.remove(NAME)
        return original(request)

    monkeypatch.setattr(world.sagemaker, "update", deleted_meanwhile)
    result = world.reconcile()
    assert world.condition() == ("False", c.PIPELINE_DELETED_IN_SAGEMAKER)
    assert result.requeue is not None and result.requeue.after == 1.0
    assert world.condition(c.STALLED)[0] == "False"


def test_throttled_passes_back_off_to_two_minutes() -> None:
    world = PipelineWorld()
    world.add()
    delays = []
    for attempt in (0, 1, 2, 7):
        throttled(world)
        result = world.reconcile(attempt=attempt)
        assert result.requeue is not None and result.requeue.backoff
        delays.append(result.requeue.after)
    assert delays == [2.0, 4.0, 8.0, 120.0]
    world.reconcile()
    assert world.condition() == ("True", c.RECONCILED)
    assert world.writes() == ["create"]


def test_refused_namespace_stalls_and_the_resync_looks_again() -> None:
    world = PipelineWorld()
    refuse_role(world)
    world.add()
    world.reconcile()
    assert world.condition() == ("False", c.NAMESPACE_NOT_ALLOWED)
    assert world.condition(c.STALLED)[0] == "True"
    world.role_error = None
    world.resync()  # a stall the world can end is re-checked
    assert world.condition() == ("True", c.RECONCILED)
    assert world.writes() == ["create"]


def test_run_on_change_creates_one_run_per_definition() -> None:
    world = PipelineWorld()
    world.add(runOnChange={"parameters": {"Epochs": "1"}})
    world.reconcile()
    runs = world.kube.list_namespaced("pipelineruns", NAMESPACE)
    assert len(runs) == 1
    assert world.event_reasons.count(c.RUN_CREATED) == 1
    status = dict(world.status)
    # An interrupted pass: SageMaker and the run written, the status never. No second run, no Event.
    del world.kube.objects[("pipelines", NAMESPACE, NAME)]["status"]
    world.reconcile()
    assert len(world.kube.list_namespaced("pipelineruns", NAMESPACE)) == 1
    assert world.event_reasons.count(c.RUN_CREATED) == 1
    assert world.status["runOnChangeHash"] == status["runOnChangeHash"]


# --- deletion -------------------------------------------------------------------------------------


def test_retained_pipeline_lets_the_finalizer_go_without_touching_sagemaker() -> None:
    world = PipelineWorld()
    world.add()
    world.reconcile()
    calls = len(world.sagemaker.calls)
    result = world.delete()
    assert result.requeue is None
    assert len(world.sagemaker.calls) == calls
    assert world.event_reasons[-1] == c.RETAINED
    assert NAME in world.sagemaker.pipelines


def test_deletion_stops_executions_waits_for_them_then_deletes() -> None:
    world = PipelineWorld()
    world.add(deletionPolicy="Delete")
    world.reconcile()
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn/execution/e1"
    world.sagemaker.runs[NAME] = [{"PipelineExecutionArn": arn, "PipelineExecutionStatus": "Executing"}]
    first = world.delete()
    assert first.requeue is not None and first.requeue.after == 5.0 and not first.requeue.backoff
    stop = next(params for name, params in world.sagemaker.calls if name == "stop_execution")
    assert stop == {"arn": arn, "token": request_token(str(world.body["metadata"]["uid"]), "stop", arn)}
    assert world.condition() == ("False", c.DELETING)
    assert c.STOPPING_EXECUTIONS in world.event_reasons
    waiting = world.delete()  # still Stopping: no second stop
    assert waiting.requeue is not None
    assert world.sagemaker.count("stop_execution") == 1
    world.sagemaker.runs[NAME][0]["PipelineExecutionStatus"] = "Stopped"
    done = world.delete()
    assert done.requeue is None
    assert NAME not in world.sagemaker.pipelines
    assert world.event_reasons[-1] == c.DELETED


def test_deletion_never_deletes_a_pipeline_that_is_not_ours() -> None:
    world = PipelineWorld()
    pipeline_of_another(world)
    world.add(deletionPolicy="Delete")
    result = world.delete()
    assert result.requeue is None
    assert NAME in world.sagemaker.pipelines
    assert world.kube.events[-1].event.type == "Warning"
    assert world.event_reasons[-1] == c.NOT_DELETED


def test_deletion_of_a_pipeline_already_gone_is_done() -> None:
    world = PipelineWorld()
    world.add(deletionPolicy="Delete")
    assert world.delete().requeue is None
    assert world.writes() == []


def test_a_refused_deletion_keeps_the_finalizer_and_looks_again_rarely() -> None:
    world = PipelineWorld()
    world.add(deletionPolicy="Delete")
    world.reconcile()
    access_denied(world)
    result = world.delete()
    assert result.requeue is not None and result.requeue.after == 300.0
    assert world.condition(c.STALLED) == ("True", c.AWS_REJECTED)
    assert NAME in world.sagemaker.pipelines


# --- the body kopf hands over is only a trigger -----------------------------------------------------


def test_a_change_pass_that_waited_acts_on_the_status_written_meanwhile() -> None:
    """kopf's body predates the resync's write (the pass waited for the lock): planning on its
    status would write version 1 back over the resync's version 2."""
    world = PipelineWorld()
    world.sources.configmaps["defs"] = json.dumps(DEFINITION)
    world.add(definition={"configMapRef": {"name": "defs", "key": "pipeline.json"}})
    world.reconcile()
    seen_by_kopf = world.body
    world.sources.configmaps["defs"] = json.dumps(definition(epochs=9))
    world.later(300)
    world.resync()  # applies the new ConfigMap content
    assert world.status["pipelineVersionId"] == 2
    world.reconciler.reconcile(seen_by_kopf)
    assert world.status["pipelineVersionId"] == 2
    assert world.writes() == ["create", "update"]


def test_a_pass_for_an_object_gone_or_replaced_writes_nothing() -> None:
    world = PipelineWorld()
    world.add()
    old = world.body
    del world.kube.objects[("pipelines", NAMESPACE, NAME)]
    assert world.reconciler.reconcile(old) is None
    world.add()  # a namesake with another UID
    assert world.reconciler.reconcile(old) is None
    assert world.sagemaker.calls == []
    assert world.kube.status_writes == 0

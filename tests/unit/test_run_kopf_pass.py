"""reconcile_run, the PipelineRun kopf pass, in memory: who looks next after a start (the poller,
soon; with status events, the events), and what a pass over a run the poller follows does: a
newer spec (cancel) gets a look at once, a pass kopf repeats on an old body gets none."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.reconcile.execution import Execution
from sagemaker_pipelines_operator.runs.handlers import RunRuntime, reconcile_run
from sagemaker_pipelines_operator.runs.metrics import RunMetrics
from sagemaker_pipelines_operator.runs.poller import RunPoller
from sagemaker_pipelines_operator.runs.tracker import RunTracker
from sagemaker_pipelines_operator.settings import OperatorSettings
from tests.unit.run_world import NAMESPACE, MonotonicClock, RunWorld

REF: dict[str, Any] = {"pipelineRef": {"name": "train"}}
SAFETY_NET = 300.0


def runtime(world: RunWorld, first_look: float) -> RunRuntime:
    tracker = RunTracker(clock=MonotonicClock())
    poller = RunPoller(OperatorSettings(), tracker, world.reconciler, wall_clock=lambda: world.now)
    return RunRuntime(tracker, RunMetrics(), world.reconciler, poller, first_look)


def started(first_look: float) -> tuple[RunWorld, RunRuntime]:
    world = RunWorld()
    world.add_pipeline()
    world.add_run(REF)
    rt = runtime(world, first_look)
    reconcile_run(rt, world.run, world.now)
    return world, rt


@pytest.mark.parametrize("first_look", [5.0, SAFETY_NET], ids=["polling", "status-events"])
def test_a_started_run_is_first_listed_at_the_runtimes_first_look(first_look: float) -> None:
    world, rt = started(first_look)
    assert rt.tracker.seconds_until_due() == pytest.approx(first_look)
    tracked = rt.tracker.get(str(world.run.meta.uid))
    assert tracked is not None
    # What the start said is known, so a step event is followed before the first listing.
    assert tracked.execution == Execution(world.arn, "Executing")
    assert rt.tracker.hint(world.arn, steps=True, within=0.0)
    assert rt.tracker.claim_steps_due() == [tracked]


def test_a_pass_kopf_repeats_on_an_old_body_costs_no_look() -> None:
    world, rt = started(SAFETY_NET)
    old = world.run  # the body kopf holds: the same generation as the poller's copy
    calls = len(world.sagemaker.calls)
    verdict, after = reconcile_run(rt, old, world.now)
    assert (verdict.reason, after) == ("Followed", None)
    assert rt.tracker.seconds_until_due() == pytest.approx(SAFETY_NET)
    assert len(world.sagemaker.calls) == calls


def test_a_newer_spec_of_a_followed_run_is_handed_to_the_poller_at_once() -> None:
    world, rt = started(SAFETY_NET)
    body = world.kube.objects[("pipelineruns", NAMESPACE, "nightly")]
    body["spec"]["cancel"], body["metadata"]["generation"] = True, 2
    verdict, _ = reconcile_run(rt, world.run, world.now)
    assert verdict.reason == "Accepted"
    assert rt.tracker.seconds_until_due() == 0.0
    tracked = rt.tracker.get(str(world.run.meta.uid))
    assert tracked is not None and tracked.run.spec.cancel
    # ...and the older body kopf may still deliver after it does not undo the cancel.
    stale = PipelineRun.model_validate(
        {**body, "spec": {**body["spec"], "cancel": False}, "metadata": {**body["metadata"], "generation": 1}}
    )
    reconcile_run(rt, stale, world.now)
    assert tracked.run.spec.cancel

"""Races: two Pipelines naming one SageMaker pipeline, applied at the same instant, many times over.
Adopt against Adopt over an unowned pipeline, and Adopt against Never over none: each trial ends
with exactly one owner, and the emulator's call log shows writes from one resource only (each
resource carries its own description, so every Create/UpdatePipeline and owner tag names its
writer)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.pipelines import token
from tests.integration.pipeline_helpers import DEFINITION, OWNER_TAG_KEY, ROLE, Pipelines, owner, wait_for

TRIALS = 10
"""Of each pairing in `make test` (~15 s); `make bench` runs the issue's 50 of each."""
PAIRINGS = {"adopt-vs-adopt": ("Adopt", "Adopt", True), "adopt-vs-never": ("Adopt", "Never", False)}
WRITES = ("CreatePipeline", "UpdatePipeline", "AddTags", "DeleteTags", "DeletePipeline")


def at_once(*actions: Callable[[], Any]) -> None:
    """Run `actions` in threads released by one barrier: as simultaneous as the API server allows."""
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def go(action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            action()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def settled(pipelines: Pipelines, name: str) -> str | None:
    """'Ready' or the Stalled reason once the resource has decided for its first generation."""
    status = pipelines.get(name).get("status") or {}
    if status.get("observedGeneration") != 1:
        return None
    conditions = {x["type"]: x for x in status.get("conditions") or []}
    if conditions.get("Ready", {}).get("status") == "True":
        return "Ready"
    stalled = conditions.get("Stalled", {})
    return str(stalled["reason"]) if stalled.get("status") == "True" else None


def writers(emulator: Any, pipeline: str, namespace: str, names: tuple[str, str]) -> set[str]:
    """Which of our resources wrote to `pipeline`, from the successful writes in the call log."""
    found = set()
    for call in emulator.calls():
        request = call.get("request") or {}
        if call["operation"] not in WRITES or call["status"] != 200:
            continue
        if request.get("PipelineName", "") != pipeline and f"pipeline/{pipeline}" not in str(
            request.get("ResourceArn", "")
        ):
            continue
        tags = {t["Key"]: t["Value"] for t in request.get("Tags") or []}
        for name in names:
            if request.get("PipelineDescription") == f"by {name}" or tags.get(OWNER_TAG_KEY) == owner(
                namespace, name
            ):
                found.add(name)
    return found


def race_trial(
    pipelines: Pipelines, emulator: Any, sagemaker_client: Any, pairing: str, trial: int
) -> dict[str, Any]:
    first_policy, second_policy, preexisting = PAIRINGS[pairing]
    shared = f"shared-{pairing}-{trial}"
    if preexisting:
        sagemaker_client.create_pipeline(
            PipelineName=shared,
            PipelineDefinition=json.dumps(DEFINITION),
            RoleArn=ROLE,
            ClientRequestToken=token(),
        )
    names = (f"x-{pairing}-{trial}", f"y-{pairing}-{trial}")
    policies = dict(zip(names, (first_policy, second_policy), strict=True))
    at_once(
        *(
            lambda name=name: pipelines.create(
                name, pipelineName=shared, adoptionPolicy=policies[name], description=f"by {name}"
            )
            for name in names
        )
    )
    outcomes = {
        name: wait_for(lambda name=name: settled(pipelines, name), what=f"{name} to settle") for name in names
    }
    live = sagemaker_client.describe_pipeline(PipelineName=shared)
    tags = {t["Key"]: t["Value"] for t in sagemaker_client.list_tags(ResourceArn=live["PipelineArn"])["Tags"]}
    return {
        "outcomes": outcomes,
        "owner": tags.get(OWNER_TAG_KEY),
        "description": live.get("PipelineDescription"),
        "writers": writers(emulator, shared, pipelines.namespace, names),
        "names": names,
    }


def run_races(pipelines: Pipelines, emulator: Any, sagemaker_client: Any, trials: int) -> None:
    tally: dict[str, dict[str, int]] = {}
    began = time.monotonic()
    for pairing in PAIRINGS:
        for trial in range(trials):
            result = race_trial(pipelines, emulator, sagemaker_client, pairing, trial)
            ready = [name for name, outcome in result["outcomes"].items() if outcome == "Ready"]
            key = " + ".join(sorted(result["outcomes"].values()))
            tally.setdefault(pairing, {}).setdefault(key, 0)
            tally[pairing][key] += 1
            assert len(ready) == 1, result
            (winner,) = ready
            assert result["owner"] == owner(pipelines.namespace, winner), result
            assert result["writers"] == {winner}, result
            assert result["description"] == f"by {winner}", result
    print(f"\nraces: {trials} trials of each pairing in {time.monotonic() - began:.1f}s; outcomes: {tally}")
    prove_operator_alive(pipelines.api, pipelines.namespace)


@pytest.mark.timeout(600)
def test_two_pipelines_naming_one_sagemaker_pipeline_at_once_end_with_one_owner_and_one_writer(
    pipelines: Pipelines, operator: Any, emulator: Any, sagemaker_client: Any
) -> None:
    run_races(pipelines, emulator, sagemaker_client, TRIALS)

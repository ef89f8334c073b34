"""Scenario files (tests/data/pipeline/*.yaml): a Pipeline manifest and SageMaker's replies in, the
plan, verdict, Drifted condition, Events and status out, through the whole pure chain.

`FINGERPRINT` in a scenario's recorded status stands for the fingerprint of the spec itself
("Git did not move since the last apply"), which is impractical to write by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.pipelines.plan.inputs import (
    checked_definition,
    desired_pipeline,
    recorded_from,
)
from sagemaker_pipelines_operator.pipelines.plan.pipeline import plan_pipeline
from sagemaker_pipelines_operator.pipelines.plan.status import (
    Applied,
    pipeline_status_fields,
    pipeline_verdict,
    plan_events,
)
from sagemaker_pipelines_operator.reconcile.live_pipeline import live_pipeline

SCENARIOS = sorted((Path(__file__).parents[1] / "data" / "pipeline").glob("*.yaml"))
NOW = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)


def run_scenario(scenario: dict[str, Any]) -> dict[str, Any]:
    manifest = scenario["pipeline"]
    pipeline = Pipeline.model_validate(manifest)
    definition = checked_definition(pipeline.spec.definition.inline or {}, "spec.definition.inline")
    desired = desired_pipeline(pipeline, definition, cluster_id="default", region="us-east-1")
    if (manifest.get("status") or {}).get("appliedHash") == "FINGERPRINT":
        manifest["status"]["appliedHash"] = desired.fingerprint()
        pipeline = Pipeline.model_validate(manifest)
    recorded = recorded_from(pipeline.status)
    replies = scenario["sagemaker"]
    described = replies["describe"]
    live = live_pipeline(described, replies.get("tags") or {}) if described else None
    plan = plan_pipeline(desired, live, recorded)
    result = scenario["applied"]
    applied = Applied(result["arn"], result.get("versionId"), result.get("lastModified"))
    verdict = pipeline_verdict(plan, desired, recorded, applied)
    drifted = next(iter(verdict.also), None)
    return {
        "plan": {
            "action": plan.action.value,
            "changed": list(plan.changed),
            "addTags": dict(plan.add_tags),
            "deleteTags": list(plan.delete_tags),
            "drift": plan.drift,
        },
        "verdict": {"ready": verdict.ready, "reason": verdict.reason, "message": verdict.message},
        "drifted": {"status": drifted.status, "reason": drifted.reason} if drifted else None,
        "events": [e.reason for e in plan_events(plan, desired, applied.version_id)],
        "status": pipeline_status_fields(plan, desired, recorded, applied, now=NOW),
    }


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = yaml.safe_load(path.read_text())
    expect = scenario["expect"]
    outcome = run_scenario(scenario)
    assert outcome["plan"] == expect["plan"]
    for key, value in expect["verdict"].items():
        assert outcome["verdict"][key] == value, key
    assert outcome["drifted"] == expect["drifted"]
    assert outcome["events"] == expect["events"]
    for key, value in expect["status"].items():
        assert outcome["status"].get(key) == value, key
    for key in expect.get("absent", []):
        assert key not in outcome["status"], key


def test_there_are_scenarios() -> None:
    assert len(SCENARIOS) >= 5

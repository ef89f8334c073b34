"""Pinned versions as pure decisions: which version a run starts, the start request it sends, and
the UpdatePipelineVersion alias writes that put a Pipeline's declared aliases in place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.api.schedule import PipelineSchedule
from sagemaker_pipelines_operator.api.versions import VersionAlias
from sagemaker_pipelines_operator.errors import Stalled, Waiting
from sagemaker_pipelines_operator.pipelines.plan.version_aliases import (
    AliasWrite,
    desired_aliases,
    plan_alias_writes,
)
from sagemaker_pipelines_operator.runs.plan.start import resolve_target, start_request
from sagemaker_pipelines_operator.schedules.plan import run_manifest
from tests.unit.test_run_target_and_steps import REF, pipeline, run

ALIASED = pipeline(
    versionAliases=[{"name": "champion", "versionId": 3}, {"name": "challenger", "versionId": 4}]
)


@pytest.mark.parametrize(
    ("pin", "version", "alias", "checked", "hashed"),
    [
        (None, 4, None, True, True),
        ({"id": 4}, 4, None, True, True),
        ({"id": 2}, 2, None, False, False),
        ({"alias": "champion"}, 3, "champion", False, False),
        ({"alias": "challenger"}, 4, "challenger", True, True),
    ],
    ids=["applied", "id-of-applied", "older-id", "alias-on-older", "alias-on-applied"],
)
def test_the_target_pins_the_version_and_checks_parameters_only_for_the_applied_one(
    pin: dict[str, Any] | None, version: int, alias: str | None, checked: bool, hashed: bool
) -> None:
    spec = {**REF, "pipelineVersion": pin} if pin else REF
    target = resolve_target(run(spec), ALIASED, allow_unmanaged=False, default_region="us-east-1")
    assert (target.version_id, target.version_alias) == (version, alias)
    assert (target.declared is not None, target.definition_hash is not None) == (checked, hashed)


def test_an_alias_the_pipeline_has_not_applied_waits_naming_what_is_applied() -> None:
    with pytest.raises(Waiting) as caught:
        resolve_target(
            run({**REF, "pipelineVersion": {"alias": "ghost"}}),
            ALIASED,
            allow_unmanaged=False,
            default_region="us-east-1",
        )
    assert "no version alias 'ghost' applied (applied: champion, challenger)" in caught.value.message


def test_an_unmanaged_run_pins_by_id() -> None:
    spec = {"pipelineName": "theirs", "pipelineVersion": {"id": 9}}
    target = resolve_target(run(spec), None, allow_unmanaged=True, default_region="us-east-1")
    assert target.version_id == 9


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, {}),
        ({"mlflowExperimentName": "churn"}, {"MlflowExperimentName": "churn"}),
    ],
    ids=["no-experiment", "experiment"],
)
def test_the_start_request_names_the_pinned_version_and_experiment(
    spec: dict[str, Any], expected: dict[str, Any]
) -> None:
    pinned = run({**REF, "pipelineVersion": {"alias": "champion"}, **spec})
    status = pinned.status.model_copy(update={"pipeline_name": "train-sm", "pipeline_version_id": 3})
    request = start_request(pinned, status, None)
    assert request["PipelineVersionId"] == 3 and "PipelineVersionAlias" not in request
    assert {k: v for k, v in request.items() if k == "MlflowExperimentName"} == expected


@pytest.mark.parametrize(
    ("desired", "live", "managed", "writes"),
    [
        ({"a": 1}, {1: ["a"]}, ["a"], []),
        ({"a": 2}, {1: []}, [], None),
        ({"a": 1}, {1: []}, [], [AliasWrite(1, add=("a",))]),
        ({"a": 2}, {1: ["a"], 2: []}, ["a"], [AliasWrite(1, remove=("a",)), AliasWrite(2, add=("a",))]),
        ({}, {1: ["a", "theirs"]}, ["a"], [AliasWrite(1, remove=("a",))]),
        ({"b": 1}, {1: ["theirs"]}, [], [AliasWrite(1, add=("b",))]),
        (
            {"champion": 1, "challenger": 2},
            {1: ["challenger"], 2: ["champion"]},
            ["champion", "challenger"],
            [
                AliasWrite(1, remove=("challenger",)),
                AliasWrite(2, remove=("champion",)),
                AliasWrite(1, add=("champion",)),
                AliasWrite(2, add=("challenger",)),
            ],
        ),
    ],
    ids=["in-place", "unknown-version", "add", "move", "drop-own-keep-theirs", "keep-theirs", "swap"],
)
def test_alias_writes_remove_before_they_add_and_leave_others_aliases(
    desired: dict[str, int], live: dict[int, list[str]], managed: list[str], writes: list[AliasWrite] | None
) -> None:
    if writes is None:
        with pytest.raises(Stalled) as caught:
            desired_aliases([VersionAlias(name=n, version_id=v) for n, v in desired.items()], 1, live.keys())
        assert (
            "names version 2, which this SageMaker pipeline does not have (versions: 1)"
            in caught.value.message
        )
        return
    assert plan_alias_writes(desired, live, managed) == writes


def test_an_alias_without_a_version_follows_the_applied_one() -> None:
    declared = [VersionAlias(name="challenger"), VersionAlias(name="champion", version_id=1)]
    assert desired_aliases(declared, 2, [1, 2]) == {"challenger": 2, "champion": 1}


def test_alias_write_request_is_update_pipeline_versions_shape() -> None:
    assert AliasWrite(2, add=("a",), remove=("b",)).request("arn:p") == {
        "PipelineArn": "arn:p",
        "PipelineVersionId": 2,
        "PipelineVersionAliasOperations": {"Add": ["a"], "Remove": ["b"]},
    }


def test_pipeline_run_model_refuses_an_alias_pin_without_a_pipeline_ref() -> None:
    with pytest.raises(ValueError, match=r"pipelineVersion\.alias needs pipelineRef"):
        PipelineRun.model_validate({"spec": {"pipelineName": "x", "pipelineVersion": {"alias": "a"}}})


def test_a_schedules_run_carries_the_templates_pin_and_experiment() -> None:
    template = {**REF, "pipelineVersion": {"alias": "challenger"}, "mlflowExperimentName": "churn-ab"}
    schedule = PipelineSchedule.model_validate(
        {
            "metadata": {"name": "nightly", "namespace": "ml", "uid": "u"},
            "spec": {"schedule": "0 2 * * *", "runTemplate": {"spec": template}},
        }
    )
    spec = run_manifest(schedule, datetime(2026, 3, 2, 2, 0, tzinfo=UTC))["spec"]
    assert spec["pipelineVersion"] == {"alias": "challenger"} and spec["mlflowExperimentName"] == "churn-ab"

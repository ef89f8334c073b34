"""`smpo history` and `smpo compare` models as pure functions over cluster objects and SageMaker replies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.audit.compare import compare_runs
from sagemaker_pipelines_operator.audit.history import history_from_cluster, history_from_sagemaker

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def run(name: str, version: int | None, phase: str, **status: Any) -> PipelineRun:
    return PipelineRun.model_validate(
        {
            "metadata": {"name": name},
            "spec": {"pipelineRef": {"name": "train"}, "parameters": {"Day": name}},
            "status": {"phase": phase, "pipelineVersionId": version, **status},
        }
    )


PIPELINE = Pipeline.model_validate(
    {
        "metadata": {"name": "train"},
        "spec": {"roleArn": "arn:aws:iam::123456789012:role/R", "definition": {"inline": {"Steps": []}}},
        "status": {
            "pipelineVersionId": 2,
            "definitionHash": "h2",
            "lineage": {"revision": "abc", "source": "annotation", "versionId": 2},
            "versionAliases": [{"name": "champion", "versionId": 1}, {"name": "challenger", "versionId": 2}],
        },
    }
)


def test_cluster_history_groups_runs_under_the_version_they_ran() -> None:
    failed_step = {"name": "Train", "status": "Failed"}
    runs = [
        run("a", 1, "Succeeded", startTime="2026-03-01T00:00:00Z", definitionHash="h1"),
        run("b", 2, "Failed", startTime="2026-03-02T00:00:00Z", steps=[failed_step]),
        run("c", None, "Pending"),
    ]
    versions = history_from_cluster(PIPELINE, runs)
    assert [(v.version_id, v.aliases, v.definition_hash, v.revision) for v in versions] == [
        (2, ["challenger"], "h2", "abc"),
        (1, ["champion"], "h1", None),
        (None, [], None, None),
    ]
    assert [(r.name, r.failing_step) for r in versions[0].runs] == [("b", "Train")]


def test_sagemaker_history_reads_the_revision_from_the_version_description() -> None:
    summaries = [
        {
            "PipelineVersionId": 2,
            "CreationTime": T0,
            "PipelineVersionDescription": "Applied from git revision abc (x) by P",
        },
        {"PipelineVersionId": 1, "CreationTime": T0, "PipelineVersionAliases": ["champion"]},
    ]
    executions = [
        {
            "PipelineExecutionArn": "arn:e1",
            "PipelineVersionId": 1,
            "PipelineExecutionStatus": "Succeeded",
            "CreationTime": T0,
            "LastModifiedTime": datetime(2026, 3, 2, 10, 4, 12, tzinfo=UTC),
            "Parameters": {"Day": "1"},
        }
    ]
    versions = history_from_sagemaker(summaries, {1: '{"Version": "2020-12-01", "Steps": []}'}, executions)
    assert [(v.version_id, v.revision, v.definition_hash is not None) for v in versions] == [
        (2, "abc", False),
        (1, None, True),
    ]
    assert [(r.name, r.duration, r.parameters) for r in versions[1].runs] == [
        ("arn:e1", "4m12s", {"Day": "1"})
    ]


@pytest.mark.parametrize(
    ("field", "differs"),
    [("version", True), ("phase", True), ("Day", True), ("pipeline", False)],
    ids=["version", "phase", "parameter", "same-pipeline"],
)
def test_compare_marks_what_differs(field: str, differs: bool) -> None:
    rows = {r.name: r for r in compare_runs(run("a", 1, "Succeeded"), run("b", 2, "Failed"))}
    assert rows[field].differs is differs


def test_compare_shows_step_outputs_side_by_side() -> None:
    def metrics(auc: str) -> dict[str, Any]:
        return {
            "steps": [
                {"name": "ReportMetrics", "status": "Succeeded", "outputs": {"auc": auc, "kind": "xgb"}}
            ]
        }

    rows = compare_runs(
        run("a", 1, "Succeeded", **metrics("0.91")), run("b", 2, "Succeeded", **metrics("0.93"))
    )
    outputs = {r.name: (r.a, r.b, r.differs) for r in rows if r.section == "step outputs"}
    assert outputs == {
        "ReportMetrics.auc": ("0.91", "0.93", True),
        "ReportMetrics.kind": ("xgb", "xgb", False),
    }

"""`smpo history`'s model: a pipeline's versions (id, aliases, definition hash, Git revision, time)
with the runs of each (parameters, phase, duration, failing step), from the cluster's Pipeline and
PipelineRuns or from SageMaker's replies alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, PipelineRunStatus
from sagemaker_pipelines_operator.definition import definition_hash, parse_definition
from sagemaker_pipelines_operator.reconcile.lineage import revision_in_description
from sagemaker_pipelines_operator.runs.plan.status import format_duration


@dataclass(frozen=True)
class RunRow:
    name: str
    """PipelineRun name, or the execution's display name from SageMaker."""
    phase: str
    parameters: Mapping[str, str]
    started: datetime | None = None
    duration: str | None = None
    failing_step: str | None = None
    execution_arn: str | None = None


@dataclass
class VersionRow:
    version_id: int | None
    aliases: list[str] = field(default_factory=list)
    definition_hash: str | None = None
    revision: str | None = None
    created: datetime | None = None
    runs: list[RunRow] = field(default_factory=list)


def failing_step(status: PipelineRunStatus) -> str | None:
    failed = next((s for s in status.steps if s.status == "Failed"), None)
    return failed.name if failed else None


def history_from_cluster(pipeline: Pipeline, runs: Sequence[PipelineRun]) -> list[VersionRow]:
    """Newest version first; runs newest first. Versions are those the runs ran plus the applied one."""
    status = pipeline.status
    versions: dict[int | None, VersionRow] = {}

    def row(version_id: int | None) -> VersionRow:
        return versions.setdefault(version_id, VersionRow(version_id))

    applied = row(status.pipeline_version_id)
    applied.definition_hash = status.definition_hash
    if status.lineage is not None and status.lineage.version_id == status.pipeline_version_id:
        applied.revision = status.lineage.revision
    for alias in status.version_aliases:
        row(alias.version_id).aliases.append(alias.name)
    for run in runs:
        rs = run.status
        version = row(rs.pipeline_version_id)
        version.definition_hash = version.definition_hash or rs.definition_hash
        if rs.version_lineage is not None and version.revision is None:
            version.revision = rs.version_lineage.revision
        version.runs.append(
            RunRow(
                name=str(run.metadata.get("name")),
                phase=str(rs.phase or "Pending"),
                parameters=dict(run.spec.parameters),
                started=rs.start_time,
                duration=rs.duration,
                failing_step=failing_step(rs),
                execution_arn=rs.execution_arn,
            )
        )
    return _ordered(versions.values())


def history_from_sagemaker(
    versions: Sequence[Mapping[str, Any]],
    definitions: Mapping[int, str],
    executions: Sequence[Mapping[str, Any]],
) -> list[VersionRow]:
    """From ListPipelineVersions summaries, each version's definition text (DescribePipeline with
    PipelineVersionId) and executions (DescribePipelineExecution merged with their parameters under
    `Parameters` and their failed step under `FailedStep`)."""
    rows: dict[int | None, VersionRow] = {}
    for summary in versions:
        version_id = int(summary["PipelineVersionId"])
        text = definitions.get(version_id)
        rows[version_id] = VersionRow(
            version_id,
            aliases=list(summary.get("PipelineVersionAliases") or []),
            definition_hash=definition_hash(parse_definition(text, allow_yaml=False)) if text else None,
            revision=revision_in_description(summary.get("PipelineVersionDescription")),
            created=summary.get("CreationTime"),
        )
    for execution in executions:
        raw = execution.get("PipelineVersionId")
        key = int(raw) if raw is not None else None
        version = rows.setdefault(key, VersionRow(key))
        version.runs.append(
            RunRow(
                name=str(execution.get("PipelineExecutionDisplayName") or execution["PipelineExecutionArn"]),
                phase=str(execution.get("PipelineExecutionStatus")),
                parameters=dict(execution.get("Parameters") or {}),
                started=execution.get("CreationTime"),
                duration=_duration(execution),
                failing_step=execution.get("FailedStep"),
                execution_arn=str(execution["PipelineExecutionArn"]),
            )
        )
    return _ordered(rows.values())


def _duration(execution: Mapping[str, Any]) -> str | None:
    start, end = execution.get("CreationTime"), execution.get("LastModifiedTime")
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None
    if execution.get("PipelineExecutionStatus") in ("Executing", "Stopping"):
        return None
    return format_duration((end - start).total_seconds())


def _ordered(rows: Any) -> list[VersionRow]:
    ordered = sorted(rows, key=lambda v: -1 if v.version_id is None else v.version_id, reverse=True)
    far = datetime.min.replace(tzinfo=UTC)
    for version in ordered:
        version.runs.sort(key=lambda r: r.started or far, reverse=True)
    return ordered


def render_history(pipeline: str, versions: Sequence[VersionRow]) -> str:
    lines = [f"Pipeline {pipeline}: {len(versions)} version(s)"]
    for v in versions:
        aliases = f" [{', '.join(sorted(v.aliases))}]" if v.aliases else ""
        head = f"version {v.version_id if v.version_id is not None else '?'}{aliases}"
        details = [
            f"hash {v.definition_hash[:12]}" if v.definition_hash else None,
            f"git {v.revision}" if v.revision else None,
            f"created {v.created.isoformat()}" if v.created else None,
        ]
        lines.append("  ".join([head, *(d for d in details if d)]))
        if not v.runs:
            lines.append("    (no runs)")
        for r in v.runs:
            params = ", ".join(f"{k}={val}" for k, val in sorted(r.parameters.items())) or "-"
            started = r.started.isoformat() if r.started else "-"
            failing = f"  failed at {r.failing_step}" if r.failing_step else ""
            lines.append(
                f"    {r.name:<28} {r.phase:<22} {started:<26} {r.duration or '-':<8} {params}{failing}"
            )
    return "\n".join(lines) + "\n"

"""`smpo compare RUN_A RUN_B`'s model: two PipelineRuns side by side - versions, parameters, phase,
duration, each step's outcome and duration, and the outputs steps returned (an evaluation's
metrics) - with the rows that differ marked."""

from __future__ import annotations

from dataclasses import dataclass

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun, RunStep
from sagemaker_pipelines_operator.runs.plan.status import format_duration


@dataclass(frozen=True)
class Row:
    section: str
    name: str
    a: str
    b: str

    @property
    def differs(self) -> bool:
        return self.a != self.b


def _text(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _step(step: RunStep | None) -> str:
    if step is None:
        return "-"
    took = (
        format_duration((step.end_time - step.start_time).total_seconds())
        if step.start_time and step.end_time
        else None
    )
    outcome = f" ({step.condition_outcome})" if step.condition_outcome else ""
    return f"{step.status}{outcome}" + (f" {took}" if took else "")


def compare_runs(a: PipelineRun, b: PipelineRun) -> list[Row]:
    sa, sb = a.status, b.status
    rows = [
        Row("run", "pipeline", _text(sa.pipeline_name), _text(sb.pipeline_name)),
        Row("run", "version", _text(sa.pipeline_version_id), _text(sb.pipeline_version_id)),
        Row("run", "alias", _text(sa.pipeline_version_alias), _text(sb.pipeline_version_alias)),
        Row("run", "definition hash", _text(sa.definition_hash), _text(sb.definition_hash)),
        Row(
            "run",
            "version git revision",
            _text(sa.version_lineage.revision if sa.version_lineage else None),
            _text(sb.version_lineage.revision if sb.version_lineage else None),
        ),
        Row(
            "run",
            "run git revision",
            _text(sa.lineage.revision if sa.lineage else None),
            _text(sb.lineage.revision if sb.lineage else None),
        ),
        Row(
            "run",
            "mlflow experiment",
            _text(a.spec.mlflow_experiment_name),
            _text(b.spec.mlflow_experiment_name),
        ),
        Row("run", "phase", _text(sa.phase), _text(sb.phase)),
        Row("run", "duration", _text(sa.duration), _text(sb.duration)),
        Row("run", "failure", _text(sa.failure_reason), _text(sb.failure_reason)),
    ]
    for key in sorted(set(a.spec.parameters) | set(b.spec.parameters)):
        rows.append(
            Row("parameters", key, _text(a.spec.parameters.get(key)), _text(b.spec.parameters.get(key)))
        )
    steps_a = {s.name: s for s in sa.steps}
    steps_b = {s.name: s for s in sb.steps}
    order = [s.name for s in sa.steps] + [s.name for s in sb.steps if s.name not in steps_a]
    for name in order:
        rows.append(Row("steps", name, _step(steps_a.get(name)), _step(steps_b.get(name))))
    for name in order:
        out_a = steps_a[name].outputs if name in steps_a else {}
        out_b = steps_b[name].outputs if name in steps_b else {}
        for key in sorted(set(out_a) | set(out_b)):
            rows.append(Row("step outputs", f"{name}.{key}", _text(out_a.get(key)), _text(out_b.get(key))))
    return rows


def render_compare(name_a: str, name_b: str, rows: list[Row]) -> str:
    width = max([len(r.name) for r in rows] + [10])
    col = max([len(r.a) for r in rows] + [len(name_a), 12])
    lines = [f"  {'':<{width}}  {name_a:<{col}}  {name_b}"]
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            lines.append(f"{section}:")
        mark = "*" if row.differs else " "
        lines.append(f"{mark} {row.name:<{width}}  {row.a:<{col}}  {row.b}")
    lines.append("(* differs)")
    return "\n".join(lines) + "\n"

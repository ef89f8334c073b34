"""A ChangeSet as text (terminal), Markdown (job summary or PR comment) or JSON (tools)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import Any

from sagemaker_pipelines_operator.changes.plan import ChangeSet, PipelineChange, RunChange

FORMATS = ("text", "markdown", "json")


def render(changes: ChangeSet, fmt: str) -> str:
    if fmt == "json":
        return render_json(changes)
    if fmt == "markdown":
        return render_markdown(changes)
    return render_text(changes)


def summary(changes: ChangeSet) -> str:
    actions = Counter(p.action for p in changes.pipelines)
    parts = [f"{count} {action}" for action, count in sorted(actions.items())] or ["no Pipelines"]
    starts = sum(1 for r in changes.runs if r.starts)
    runs = f"; {starts} of {len(changes.runs)} PipelineRun(s) would start" if changes.runs else ""
    return f"Plan: {', '.join(parts)}{runs}."


def _settings_lines(change: PipelineChange) -> list[str]:
    lines = [f"{s.field}: {_shown(s.live)} -> {_shown(s.desired)}" for s in change.settings]
    if change.tags_added:
        lines.append("tags set: " + ", ".join(f"{k}={v}" for k, v in change.tags_added.items()))
    if change.tags_removed:
        lines.append("tags removed: " + ", ".join(f"{k}={v}" for k, v in change.tags_removed.items()))
    if not change.definition_compared:
        lines.append("definition: not compared (it is read from S3 by the operator)")
    if change.run_on_change is not None:
        lines.append(f"runOnChange: starts a run with {_params(change.run_on_change)}")
    return lines


def _shown(value: Any) -> str:
    return "(unset)" if value is None else str(value)


def _params(parameters: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in parameters.items()) if parameters else "default parameters"


def _run_line(run: RunChange) -> str:
    verdict = "starts" if run.starts else "does not start"
    return f"{run.resource} -> {run.pipeline}: {verdict} ({run.reason})"


def render_text(changes: ChangeSet) -> str:
    out: list[str] = []
    for change in changes.pipelines:
        target = f"SageMaker pipeline {change.target.name} ({change.target.region})"
        out.append(f"{change.resource} -> {target}: {change.action}  [{change.file}:{change.line}]")
        if change.message:
            out.append(f"  {change.message}")
        out.extend(f"  {line}" for line in _settings_lines(change))
        if change.definition_diff:
            out.extend(f"  {line}" for line in change.definition_diff.rstrip("\n").splitlines())
    for run in changes.runs:
        out.append(_run_line(run))
        if run.starts:
            out.append(f"  parameters: {_params(run.parameters)}")
    out.append(summary(changes))
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(changes: ChangeSet) -> str:
    out = ["## smpo diff", ""]
    if changes.pipelines:
        out += ["| Pipeline | SageMaker pipeline | Action | Changes |", "|---|---|---|---|"]
        for c in changes.pipelines:
            what = ", ".join(s.field for s in c.settings)
            if c.definition_diff:
                what = ", ".join(x for x in ("definition", what) if x)
            if c.tags_added or c.tags_removed:
                what = ", ".join(x for x in (what, "tags") if x)
            action = f"**{c.action}**" if c.changes or c.action == "refuse" else c.action
            out.append(
                f"| `{_cell(c.resource)}` | `{_cell(c.target.name)}` ({c.target.region}) | {action} | "
                f"{_cell(c.message or what or '-')} |"
            )
        out.append("")
    for c in changes.pipelines:
        details = _settings_lines(c)
        if not (details or c.definition_diff):
            continue
        out += [f"### {c.resource}: {c.action}", "", f"`{c.file}:{c.line}`", ""]
        out += [f"- {_cell(line)}" for line in details]
        if c.definition_diff:
            out += ["", "<details open><summary>definition diff</summary>", "", "````diff"]
            out += c.definition_diff.rstrip("\n").splitlines()
            out += ["````", "", "</details>"]
        out.append("")
    if changes.runs:
        out += [
            "### PipelineRuns",
            "",
            "| PipelineRun | Pipeline | Starts | Why | Parameters |",
            "|---|---|---|---|---|",
        ]
        for r in changes.runs:
            params = _params(r.parameters) if r.starts else "-"
            out.append(
                f"| `{_cell(r.resource)}` | `{_cell(r.pipeline)}` | {'yes' if r.starts else 'no'} | "
                f"{_cell(r.reason)} | {_cell(params)} |"
            )
        out.append("")
    out.append(summary(changes))
    return "\n".join(out) + "\n"


def render_json(changes: ChangeSet) -> str:
    data = {
        "pipelines": [asdict(p) for p in changes.pipelines],
        "runs": [asdict(r) for r in changes.runs],
        "summary": summary(changes),
    }
    return json.dumps(data, indent=2, default=str) + "\n"

"""What the demo shows: a table of pipelines and runs, built from plain objects (pure, testable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FINAL_PHASES = frozenset({"Succeeded", "Failed", "Stopped", "CompletedWithFailures"})
EXPECTED_PHASE_ANNOTATION = "examples.sagemaker.pipelines.dev/expected-phase"
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


@dataclass(frozen=True)
class PipelineRow:
    name: str
    ready: str
    version: str
    last_run: str
    message: str


@dataclass(frozen=True)
class RunRow:
    name: str
    pipeline: str
    phase: str
    steps: str
    duration: str
    expected: str | None
    failure: str

    @property
    def finished(self) -> bool:
        return self.phase in FINAL_PHASES

    @property
    def as_expected(self) -> bool | None:
        if not self.finished or self.expected is None:
            return None
        return self.phase == self.expected


def _ready(obj: dict[str, Any]) -> tuple[str, str]:
    for condition in obj.get("status", {}).get("conditions", []):
        if condition.get("type") == "Ready":
            return condition.get("status", "Unknown"), condition.get("message", "")
    return "-", ""


def pipeline_row(obj: dict[str, Any]) -> PipelineRow:
    status = obj.get("status", {})
    ready, message = _ready(obj)
    return PipelineRow(
        name=obj["metadata"]["name"],
        ready=ready,
        version=str(status.get("pipelineVersionId", "-")),
        last_run=(status.get("latestRun") or {}).get("phase", "-"),
        message=message,
    )


def run_row(obj: dict[str, Any]) -> RunRow:
    status = obj.get("status", {})
    spec = obj.get("spec", {})
    annotations = obj["metadata"].get("annotations") or {}
    return RunRow(
        name=obj["metadata"]["name"],
        pipeline=status.get("pipelineName") or (spec.get("pipelineRef") or {}).get("name", "-"),
        phase=status.get("phase") or "Pending",
        steps=status.get("stepSummary") or "-",
        duration=status.get("duration") or "-",
        expected=annotations.get(EXPECTED_PHASE_ANNOTATION),
        failure=status.get("failureReason") or "",
    )


def render_table(pipelines: list[PipelineRow], runs: list[RunRow], elapsed: float, tick: int) -> str:
    """The live screen: header with a spinner, pipelines, runs."""
    done = sum(r.finished for r in runs)
    spinner = SPINNER[tick % len(SPINNER)] if done < len(runs) or not runs else "✔"
    lines = [
        f"{spinner} sagemaker-pipelines-operator demo — {done}/{len(runs)} runs finished — {elapsed:.0f}s",
        "",
    ]
    lines.append(f"{'PIPELINE':<30} {'READY':<8} {'VERSION':<8} {'LAST RUN':<22}")
    lines += [f"{p.name:<30} {p.ready:<8} {p.version:<8} {p.last_run:<22}" for p in pipelines]
    lines.append("")
    lines.append(f"{'RUN':<34} {'PIPELINE':<24} {'PHASE':<22} {'STEPS':<6} {'DURATION':<9}")
    lines += [
        f"{r.name:<34} {r.pipeline:<24} {r.phase:<22} {r.steps:<6} {r.duration:<9}" + _bar(r.steps)
        for r in runs
    ]
    return "\n".join(lines)


def _bar(steps: str, width: int = 12) -> str:
    try:
        done, total = (int(x) for x in steps.split("/"))
    except ValueError:
        return ""
    filled = round(width * done / total) if total else 0
    return " " + "█" * filled + "░" * (width - filled)


def change_lines(
    before: dict[str, str], runs: list[RunRow], elapsed: float
) -> tuple[list[str], dict[str, str]]:
    """For a non-terminal output: one line per run whose phase or step count changed."""
    now: dict[str, str] = {}
    lines: list[str] = []
    for r in runs:
        key = f"{r.phase} {r.steps}"
        now[r.name] = key
        if before.get(r.name) != key:
            lines.append(f"[{elapsed:5.0f}s] {r.name}: {r.phase} (steps {r.steps})")
    return lines, now


def summary(pipelines: list[PipelineRow], runs: list[RunRow]) -> str:
    ready = sum(p.ready == "True" for p in pipelines)
    lines = [f"Summary: {ready}/{len(pipelines)} pipelines Ready, {len(runs)} runs:"]
    for r in runs:
        verdict = {True: "as expected", False: f"UNEXPECTED (wanted {r.expected})", None: ""}[r.as_expected]
        why = f" — {r.failure}" if r.failure and r.phase != "Succeeded" else ""
        lines.append(f"  {r.name:<34} {r.phase:<22} {r.steps:<6} {verdict}{why}")
    return "\n".join(lines)

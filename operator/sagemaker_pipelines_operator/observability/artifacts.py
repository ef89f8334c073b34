"""The monitoring files generated from alerts.py and dashboard.py, where they live in the
repository, and the writer/checker behind `make monitoring` (python -m ...observability)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sagemaker_pipelines_operator.observability.alerts import (
    render_prometheusrule_template,
    render_rules_file,
)
from sagemaker_pipelines_operator.observability.dashboard import render_dashboard

CHART = Path("helm/sagemaker-pipelines-operator")
RULES_FILE = Path("manifests/monitoring/prometheus-rules.yaml")
DASHBOARD_FILE = Path("manifests/monitoring/grafana-dashboard.json")
CHART_RULE_TEMPLATE = CHART / "templates/prometheusrule.yaml"
CHART_DASHBOARD_FILE = CHART / "files/grafana-dashboard.json"

GENERATED: dict[Path, Callable[[], str]] = {
    RULES_FILE: render_rules_file,
    DASHBOARD_FILE: render_dashboard,
    CHART_RULE_TEMPLATE: render_prometheusrule_template,
    CHART_DASHBOARD_FILE: render_dashboard,
}


def stale(root: Path) -> list[Path]:
    """Generated files under `root` whose content differs from what the sources render."""
    return [
        path
        for path, render in GENERATED.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != render()
    ]


def write(root: Path) -> list[Path]:
    """Render every file under `root`; returns those that changed."""
    changed = stale(root)
    for path in changed:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(GENERATED[path](), encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sagemaker_pipelines_operator.observability",
        description="Render the alert rules and Grafana dashboard into the repository.",
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale(args.root)
        for path in outdated:
            print(f"stale: {path} (run `make monitoring`)", file=sys.stderr)
        return 1 if outdated else 0
    for path in write(args.root):
        print(f"wrote {path}")
    return 0

"""`smpo test PATH...`: run scenario files (`*.test.yaml`) against an in-process emulator and say,
per scenario, whether the pipeline behaved as expected. Offline: no AWS, no Kubernetes, no network.

Exit status: 0 every scenario passed, 1 a scenario failed or could not run, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sagemaker_pipelines_operator.cli.validate import EXIT_INVALID, EXIT_OK, EXIT_USAGE


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "test",
        help="run pipeline scenarios (*.test.yaml) in an in-process emulator",
        description=(
            "Each scenario file names a Pipeline manifest and lists scenarios: parameters, what each "
            "step publishes or whether it fails, callback answers, and the expected outcome (phase, "
            "steps that ran or not, branch of each Condition, failure message). "
            "See docs/testing-pipelines.md."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="scenario files or directories"
    )
    parser.add_argument("--format", choices=("text", "github"), default="text", help="report format")
    parser.add_argument("--junit", metavar="FILE", type=Path, help="also write a JUnit XML report here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.cli.emulator import EMULATOR_MISSING, emulator_installed

    if not emulator_installed():
        print(f"smpo test: {EMULATOR_MISSING}", file=sys.stderr)
        return EXIT_USAGE
    from sagemaker_pipelines_operator.scenarios.report import junit_xml, render_github, render_text
    from sagemaker_pipelines_operator.scenarios.suite import run_file, scenario_files
    from sagemaker_pipelines_operator.validation.documents import UsageError

    try:
        files = scenario_files(args.paths)
    except UsageError as exc:
        print(f"smpo test: {exc}", file=sys.stderr)
        return EXIT_USAGE
    outcomes = [outcome for path in files for outcome in run_file(path)]
    render = render_github if args.format == "github" else render_text
    sys.stdout.write(render(outcomes))
    if args.junit is not None:
        args.junit.write_text(junit_xml(outcomes))
    return EXIT_OK if all(outcome.passed for outcome in outcomes) else EXIT_INVALID

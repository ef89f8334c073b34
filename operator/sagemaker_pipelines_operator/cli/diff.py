"""`smpo diff PATH...`: the manifests against live SageMaker: definition diff, planned actions and
which PipelineRuns would start. Read-only (DescribePipeline, ListTags, ListPipelineExecutions).

Exit status: 0 planned (changes or not), 1 invalid manifests, a refused pipeline or an AWS error,
2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from sagemaker_pipelines_operator.cli.validate import EXIT_INVALID, EXIT_OK, EXIT_USAGE, add_input_arguments


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="show what applying manifests would change in SageMaker (read-only)",
        description=(
            "Compare each Pipeline's canonical definition, role, description, display name, "
            "parallelism and tags with the live SageMaker pipeline and print the action the operator "
            "would take (create, update, adopt, none, refuse); say whether each PipelineRun would "
            "start. Only read calls are made."
        ),
    )
    add_input_arguments(parser, required=False)
    parser.add_argument(
        "--versions",
        nargs=3,
        metavar=("PIPELINE", "A", "B"),
        default=None,
        help="instead of PATHs: the definition diff between versions A and B of SageMaker pipeline "
        "PIPELINE (ids; read-only)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (terminal), markdown (job summary, PR comment) or json (default: text)",
    )
    parser.add_argument(
        "--region",
        default=None,
        help="region of Pipelines without spec.region, as the operator's --region (default: AWS SDK default)",
    )
    parser.add_argument(
        "--cluster-id",
        default=os.environ.get("SMPO_CLUSTER_ID", "default"),
        help="the operator's --cluster-id, carried by its owner tags [env SMPO_CLUSTER_ID]",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.versions is not None:
        return _version_diff(args)
    if not args.paths:
        print("smpo diff: give PATHs, or --versions PIPELINE A B", file=sys.stderr)
        return EXIT_USAGE
    return _manifest_diff(args)


def _version_diff(args: argparse.Namespace) -> int:
    """`--versions PIPELINE A B`: DescribePipeline of each version, then their definition diff."""
    from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess
    from sagemaker_pipelines_operator.definition import definition_diff
    from sagemaker_pipelines_operator.errors import ReconcileError

    name, *ids = args.versions
    if not all(i.isdigit() and int(i) > 0 for i in ids):
        print(f"smpo diff: --versions needs two version ids, got {ids[0]!r} and {ids[1]!r}", file=sys.stderr)
        return EXIT_USAGE
    api = AwsAccess(args.region, tps=10.0, burst=20).sagemaker(args.region)
    try:
        texts = [
            api.call("DescribePipeline", PipelineName=name, PipelineVersionId=int(i))["PipelineDefinition"]
            for i in ids
        ]
    except ReconcileError as exc:
        print(f"smpo diff: cannot read SageMaker: {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    diff = definition_diff(texts[0], texts[1], f"{name} version {ids[0]}", f"{name} version {ids[1]}")
    sys.stdout.write(diff or f"{name}: versions {ids[0]} and {ids[1]} have the same definition\n")
    return EXIT_OK


def _manifest_diff(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess
    from sagemaker_pipelines_operator.changes.observe import observe
    from sagemaker_pipelines_operator.changes.plan import Context, plan_changes, run_targets, targets
    from sagemaker_pipelines_operator.changes.report import render
    from sagemaker_pipelines_operator.cli.validate import load
    from sagemaker_pipelines_operator.errors import ReconcileError
    from sagemaker_pipelines_operator.validation import Severity, UsageError

    try:
        manifests, findings = load(args)
    except UsageError as exc:
        print(f"smpo diff: {exc}", file=sys.stderr)
        return EXIT_USAGE
    errors = [f for f in findings if f.severity == Severity.ERROR]
    if errors:
        print("smpo diff: the manifests are invalid; fix them first (smpo validate):", file=sys.stderr)
        for finding in errors:
            print(f"  {finding}", file=sys.stderr)
        return EXIT_INVALID
    aws = AwsAccess(args.region, tps=10.0, burst=20)
    context = Context(aws.factory.default_region, args.cluster_id, args.namespace or "default")
    try:
        live = observe(aws, targets(manifests, context), run_targets(manifests, context))
    except ReconcileError as exc:
        print(f"smpo diff: cannot read SageMaker: {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    changes = plan_changes(manifests, live, context)
    sys.stdout.write(render(changes, args.format))
    for refused in changes.refused:
        print(f"smpo diff: {refused.resource}: {refused.message}", file=sys.stderr)
    return EXIT_INVALID if changes.refused else EXIT_OK

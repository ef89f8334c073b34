"""`smpo compare RUN_A RUN_B`: two PipelineRuns side by side - versions, parameters, phase,
duration, each step's outcome and duration - differences marked. Reads the cluster only.

Exit status: 0 printed, 1 a run is missing, 2 usage or cluster error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="two runs side by side: versions, parameters, step outcomes, durations",
        description="Compare two PipelineRuns of the namespace (e.g. champion and challenger).",
    )
    parser.add_argument("run_a", metavar="RUN_A")
    parser.add_argument("run_b", metavar="RUN_B")
    parser.add_argument("-n", "--namespace", default=None, help="namespace (default: the kubeconfig's)")
    parser.add_argument("--kubeconfig", help="kubeconfig path (default: in-cluster, then ~/.kube/config)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
    from sagemaker_pipelines_operator.audit.compare import compare_runs, render_compare
    from sagemaker_pipelines_operator.cli.cluster_read import ClusterReadError, read_object

    try:
        namespace, a = read_object(args.kubeconfig, args.namespace, "pipelineruns", args.run_a)
        _, b = read_object(args.kubeconfig, namespace, "pipelineruns", args.run_b)
    except ClusterReadError as exc:
        print(f"smpo compare: {exc}", file=sys.stderr)
        return exc.exit_code
    rows = compare_runs(PipelineRun.model_validate(a), PipelineRun.model_validate(b))
    print(render_compare(args.run_a, args.run_b, rows), end="")
    return 0

"""`smpo rerun RUN`: print a PipelineRun manifest that repeats RUN - same spec and parameters,
pinned to the pipeline version RUN actually ran - for a pull request. Reads the cluster only.

Exit status: 0 printed, 1 the run is missing or never started a version, 2 usage or cluster error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rerun",
        help="print a PipelineRun that repeats a run, pinned to the version it ran",
        description=(
            "Read PipelineRun RUN from the cluster and print a new PipelineRun manifest with the same "
            "spec and parameters and spec.pipelineVersion.id set to the version RUN started, so "
            "'run exactly what ran then' is one reviewed commit. Nothing is created."
        ),
    )
    parser.add_argument("run", metavar="RUN", help="name of the PipelineRun to repeat")
    parser.add_argument("-n", "--namespace", default=None, help="namespace (default: the kubeconfig's)")
    parser.add_argument("--name", default=None, help="name of the new PipelineRun (default: RUN-rerun)")
    parser.add_argument("--kubeconfig", help="kubeconfig path (default: in-cluster, then ~/.kube/config)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
    from sagemaker_pipelines_operator.cli.cluster_read import ClusterReadError, read_object
    from sagemaker_pipelines_operator.runs.plan.rerun import NotRerunnable, rerun_manifest

    try:
        namespace, body = read_object(args.kubeconfig, args.namespace, "pipelineruns", args.run)
    except ClusterReadError as exc:
        print(f"smpo rerun: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        manifest = rerun_manifest(PipelineRun.model_validate(body), args.name or f"{args.run}-rerun")
    except NotRerunnable as exc:
        print(f"smpo rerun: {exc}", file=sys.stderr)
        return 1
    print(f"# smpo rerun {namespace}/{args.run}: the same run, pinned to the version it ran")
    print(yaml.safe_dump(manifest, sort_keys=False), end="")
    return 0

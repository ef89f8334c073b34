"""`smpo history PIPELINE`: the pipeline's versions (id, aliases, definition hash, Git revision,
time) and the runs of each (parameters, phase, duration, failing step), from the cluster's Pipeline
and PipelineRuns, or with `--from-sagemaker` from SageMaker alone. Read-only.

Exit status: 0 printed, 1 the Pipeline or SageMaker pipeline is missing, 2 usage, cluster or AWS error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history",
        help="a pipeline's versions and the runs of each (read-only)",
        description=(
            "List a pipeline's versions - id, aliases, definition hash, Git revision, time - and "
            "under each the runs that executed it. By default from the cluster (Pipeline PIPELINE "
            "and its PipelineRuns); with --from-sagemaker, PIPELINE is the SageMaker pipeline name "
            "and only SageMaker is read."
        ),
    )
    parser.add_argument("pipeline", metavar="PIPELINE", help="Pipeline resource (or SageMaker pipeline) name")
    parser.add_argument("-n", "--namespace", default=None, help="namespace (default: the kubeconfig's)")
    parser.add_argument("--kubeconfig", help="kubeconfig path (default: in-cluster, then ~/.kube/config)")
    parser.add_argument("--from-sagemaker", action="store_true", help="read SageMaker only, not the cluster")
    parser.add_argument(
        "--region", default=None, help="AWS region for --from-sagemaker (default: SDK default)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.audit.history import render_history

    try:
        versions = _from_sagemaker(args) if args.from_sagemaker else _from_cluster(args)
    except _Failed as exc:
        print(f"smpo history: {exc}", file=sys.stderr)
        return exc.code
    print(render_history(args.pipeline, versions), end="")
    return 0


class _Failed(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _from_cluster(args: argparse.Namespace) -> Any:
    from sagemaker_pipelines_operator.api.pipeline import Pipeline
    from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
    from sagemaker_pipelines_operator.audit.history import history_from_cluster
    from sagemaker_pipelines_operator.cli.cluster_read import ClusterReadError, list_objects, read_object

    try:
        namespace, body = read_object(args.kubeconfig, args.namespace, "pipelines", args.pipeline)
        _, items = list_objects(args.kubeconfig, namespace, "pipelineruns")
    except ClusterReadError as exc:
        raise _Failed(str(exc), exc.exit_code) from exc
    runs = [PipelineRun.model_validate(item) for item in items]
    mine = [r for r in runs if r.spec.pipeline_ref is not None and r.spec.pipeline_ref.name == args.pipeline]
    return history_from_cluster(Pipeline.model_validate(body), mine)


def _from_sagemaker(args: argparse.Namespace) -> Any:
    from sagemaker_pipelines_operator.audit.history import history_from_sagemaker
    from sagemaker_pipelines_operator.audit.sagemaker_reads import read_history
    from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess
    from sagemaker_pipelines_operator.errors import NotFound, ReconcileError

    api = AwsAccess(args.region, tps=10.0, burst=20).sagemaker(args.region)
    try:
        versions, definitions, executions = read_history(api, args.pipeline)
    except NotFound as exc:
        raise _Failed(exc.message, 1) from exc
    except ReconcileError as exc:
        raise _Failed(exc.message, 2) from exc
    return history_from_sagemaker(versions, definitions, executions)

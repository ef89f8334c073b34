"""`smpo run`: the operator process (kopf), with metrics and health endpoints."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import kubernetes
import urllib3
from kubernetes.client.exceptions import ApiException

from sagemaker_pipelines_operator.settings import add_arguments, from_arguments, problems


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="run the operator", description="Run the operator against the current cluster."
    )
    parser.add_argument("--kubeconfig", help="kubeconfig path (default: in-cluster, then ~/.kube/config)")
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess
    from sagemaker_pipelines_operator.handlers.context import OperatorContext, load_kube_config
    from sagemaker_pipelines_operator.handlers.operator import run_operator
    from sagemaker_pipelines_operator.handlers.preflight import PreflightError
    from sagemaker_pipelines_operator.observability.logging import configure_logging

    settings = from_arguments(args)
    found = problems(settings)
    for problem in found:
        print(f"smpo run: {problem}", file=sys.stderr)
    if found:
        return 2
    configure_logging(settings.log_format, settings.log_level)
    try:
        kube_config = load_kube_config(args.kubeconfig)
    except kubernetes.config.ConfigException as exc:
        print(
            f"smpo run: no Kubernetes credentials ({exc}); pass --kubeconfig or set KUBECONFIG",
            file=sys.stderr,
        )
        return 2
    ctx = OperatorContext(
        settings=settings,
        aws=AwsAccess(settings.region, settings.aws_tps, settings.aws_burst),
        kube_config=kube_config,
    )
    try:
        asyncio.run(run_operator(ctx))
    except PreflightError as exc:
        print(f"smpo run: {exc}", file=sys.stderr)
        return 2
    except (ApiException, urllib3.exceptions.HTTPError) as exc:  # from the check before kopf starts
        print(f"smpo run: cannot use the Kubernetes API at {kube_config.host}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # e.g. the metrics or health port is taken
        print(f"smpo run: {exc}", file=sys.stderr)
        return 1
    return 0

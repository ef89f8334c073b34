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
    from sagemaker_pipelines_operator.observability.logging import configure_logging
    from sagemaker_pipelines_operator.runtime.context import OperatorContext, load_kube_config
    from sagemaker_pipelines_operator.runtime.operator import run_operator
    from sagemaker_pipelines_operator.triggers.webhook_tls import tls_problems

    settings = from_arguments(args)
    found = problems(settings) or tls_problems(settings.webhook_tls_cert_file, settings.webhook_tls_key_file)
    for problem in found:
        print(f"smpo run: {problem}", file=sys.stderr)
    if found:
        return 2
    configure_logging(settings.log_format, settings.log_level)
    try:
        kube_config = load_kube_config(args.kubeconfig)
        ctx = OperatorContext(
            settings=settings,
            aws=AwsAccess(settings.region, settings.aws_tps, settings.aws_burst, settings.connections),
            kube_config=kube_config,
        )
        asyncio.run(run_operator(ctx))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        code, message = exit_for(exc)
        print(f"smpo run: {message}", file=sys.stderr)
        return code
    return 0


def exit_for(exc: Exception) -> tuple[int, str]:
    """Exit status and message for an error that ends `smpo run`; anything unexpected is raised."""
    from sagemaker_pipelines_operator.runtime.preflight import PreflightError

    if isinstance(exc, kubernetes.config.ConfigException):
        return 2, f"no Kubernetes credentials ({exc}); pass --kubeconfig or set KUBECONFIG"
    if isinstance(exc, PreflightError):  # the cluster lacks a CRD or the peering object
        return 2, str(exc)
    if isinstance(exc, ApiException | urllib3.exceptions.HTTPError):  # from the check before kopf
        return 1, f"cannot use the Kubernetes API: {exc}"
    if isinstance(exc, OSError):  # e.g. the metrics or health port is taken
        return 1, str(exc)
    raise exc

"""`smpo dev`: local control plane + SageMaker emulator + operator + the examples, shown live."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

HINTS = """
Look around (the stack keeps running until Ctrl-C):
  export KUBECONFIG={kubeconfig}
  kubectl get sagemaker -n {namespace}              # pipelines, runs and schedules
  kubectl describe smpr -n {namespace}              # conditions, steps and Events of the runs
  kubectl get smp -n {namespace} -o yaml            # full status of the pipelines
  curl -s {metrics} | grep ^smpo_                   # Prometheus metrics
  AWS_ENDPOINT_URL_SAGEMAKER={emulator} aws sagemaker list-pipelines   # the emulated SageMaker
Logs: {directory}/{{operator,emulator}}.log and {directory}/controlplane/*.log
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dev", help="run the whole stack locally with the examples", description=__doc__
    )
    parser.add_argument(
        "--dir", type=Path, default=Path(".smpo/dev"), help="state and logs (default: .smpo/dev)"
    )
    parser.add_argument("--kubeconfig", type=Path, help="use this cluster instead of a local control plane")
    parser.add_argument("--namespace", default="smpo-demo", help="namespace for the examples")
    parser.add_argument(
        "--examples", type=Path, default=Path("manifests/examples"), help="manifests to apply"
    )
    parser.add_argument("--crds", type=Path, default=Path("crds"), help="CRDs to install")
    parser.add_argument("--step-seconds", type=float, default=2.0, help="emulated duration of a step")
    parser.add_argument(
        "--outcomes",
        type=Path,
        metavar="FILE",
        help="emulator outcome rules by pipeline and step name for unmodified definitions (docs/emulator.md)",
    )
    parser.add_argument(
        "--metrics-port", type=int, default=18080, help="operator metrics port (0: any free port)"
    )
    parser.add_argument(
        "--health-port", type=int, default=18081, help="operator health port (0: any free port)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="give up waiting for runs after this")
    parser.add_argument(
        "--exit-when-done", action="store_true", help="stop everything once the runs finished (for scripts)"
    )
    parser.set_defaults(func=run)


def usage_problem(args: argparse.Namespace) -> str | None:
    """Why `smpo dev` cannot start with these arguments, or None."""
    from sagemaker_pipelines_operator.cli.emulator import EMULATOR_MISSING, emulator_installed

    if not emulator_installed():
        return EMULATOR_MISSING
    for path, what in ((args.examples, "--examples"), (args.crds, "--crds")):
        if not path.exists():
            return f"{path} not found; run from the repository root or pass {what}"
    if args.outcomes is not None:
        from sagemaker_pipelines_emulator.outcome_rules import OutcomeRulesError, load_rules_file

        try:
            load_rules_file(args.outcomes)
        except OutcomeRulesError as exc:
            return f"--outcomes: {exc}"
    return None


def run(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.controlplane import ControlPlaneError
    from sagemaker_pipelines_operator.devstack.demo import Demo
    from sagemaker_pipelines_operator.devstack.stack import LocalStack, StackError

    unusable = usage_problem(args)
    if unusable is not None:
        print(f"smpo dev: {unusable}", file=sys.stderr)
        return 2
    out = sys.stdout
    stack = LocalStack(directory=args.dir.resolve())
    try:
        if args.kubeconfig:
            stack.kubeconfig = args.kubeconfig
        else:
            say("starting a local control plane (kube-apiserver, etcd, controller manager)")
            stack.start_control_plane(args.crds.resolve())
        say("starting the SageMaker emulator")
        stack.start_emulator(args.step_seconds, args.outcomes)
        with_data_events = stack.start_moto()
        if with_data_events:
            say("started moto's S3 and SQS for the data-event loop")
        demo = Demo(stack.kubeconfig or args.kubeconfig, args.namespace, stack.emulator_url)
        if args.kubeconfig:
            demo.apply([args.crds])
        say("starting the operator")
        stack.start_operator(args.namespace, args.metrics_port, args.health_port)
        say(f"applying {args.examples} to namespace {args.namespace}")
        demo.apply([args.examples])
        if with_data_events:
            say("data event: a new file in the training bucket starts a retraining run")
            demo.data_event_loop(stack.moto_url)
        demo.watch(args.timeout, interactive=out.isatty() and not args.exit_when_done)
        text, as_expected = demo.report()
        print("\n" + text)
        print(
            HINTS.format(
                kubeconfig=stack.kubeconfig,
                namespace=args.namespace,
                metrics=stack.metrics_url,
                emulator=stack.emulator_url,
                directory=stack.directory,
            )
        )
        if not args.exit_when_done:
            while True:
                time.sleep(3600)
        return 0 if as_expected else 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    except (StackError, ControlPlaneError, TimeoutError, RuntimeError) as exc:
        print(f"smpo dev: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.close()
        say("stopped everything this command started")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)

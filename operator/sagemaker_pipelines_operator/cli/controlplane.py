"""`smpo controlplane up|down|status`: the local kube-apiserver, etcd and controller manager."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path(".smpo/controlplane")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "controlplane",
        help="run a local Kubernetes control plane (etcd, kube-apiserver, controller manager)",
        description=__doc__,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    up = actions.add_parser("up", help="start it (or show it if it already runs in DIR)")
    _add_dir(up)
    up.add_argument("--port", type=int, help="kube-apiserver port on 127.0.0.1 (default: a free one)")
    up.add_argument(
        "--apply",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="manifest file or directory to apply once the apiserver is ready (repeatable), e.g. crds/",
    )
    up.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for readiness")
    up.set_defaults(func=run_up)

    down = actions.add_parser("down", help="stop it; a no-op when nothing runs in DIR")
    _add_dir(down)
    down.set_defaults(func=run_down)

    status = actions.add_parser("status", help="exit 0 and print the server if it runs in DIR")
    _add_dir(status)
    status.set_defaults(func=run_status)


def _add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DIR,
        help=f"state, data, certificates and logs (default: {DEFAULT_DIR})",
    )


def run_up(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.controlplane.cluster import up
    from sagemaker_pipelines_operator.controlplane.errors import ControlPlaneError

    started = time.monotonic()
    try:
        info = up(args.dir, port=args.port, manifests=args.apply, timeout=args.timeout)
    except ControlPlaneError as exc:
        print(f"smpo controlplane: {exc}", file=sys.stderr)
        return 1
    print(f"control plane ready at {info.server} ({time.monotonic() - started:.1f}s); logs in {info.dir}")
    print(f"kubeconfig: {info.kubeconfig}")
    print(f"export KUBECONFIG={shlex.quote(str(info.kubeconfig))}")
    return 0


def run_down(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.controlplane.cluster import down

    stopped = down(args.dir)
    print(f"control plane in {args.dir} stopped" if stopped else f"no control plane runs in {args.dir}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.controlplane.cluster import status

    info = status(args.dir)
    if info is None:
        print(f"no control plane runs in {args.dir}")
        return 1
    print(f"running at {info.server} since {info.started_at.isoformat()}; kubeconfig: {info.kubeconfig}")
    return 0

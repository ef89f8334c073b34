"""`smpo emulator`: serve the local SageMaker Pipelines emulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagemaker_pipelines_emulator.config import EmulatorConfig

EMULATOR_PACKAGE = "sagemaker_pipelines_emulator"
EMULATOR_MISSING = (
    "the emulator package (sagemaker_pipelines_emulator) is not installed here; the operator's "
    "image leaves it out. Install the project from its source tree (pip install -e .) to use it."
)


def emulator_installed() -> bool:
    """Whether the emulator package can be imported (it is absent from the operator's image)."""
    return importlib.util.find_spec(EMULATOR_PACKAGE) is not None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="run the local SageMaker Pipelines emulator",
        description=(
            "Serve SageMaker Pipelines (AWS JSON 1.1) locally. Point boto3 at it with "
            "AWS_ENDPOINT_URL_SAGEMAKER=http://HOST:PORT; the admin API is under /_emulator/. "
            "Step outcomes follow the rules in docs/emulator.md."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=8765, help="port; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--step-seconds", type=float, default=1.0, help="how long a job step runs (default: %(default)s)"
    )
    parser.add_argument(
        "--events-file", help="append EventBridge-shaped status events to this JSON-lines file"
    )
    parser.add_argument(
        "--events-queue-url",
        help="also send them to this SQS queue (as an EventBridge rule with an SQS target would)",
    )
    parser.add_argument("--account-id", default="123456789012", help="account in ARNs (default: %(default)s)")
    parser.add_argument(
        "--outcomes",
        type=Path,
        metavar="FILE",
        help="step outcome rules by pipeline and step name, YAML or JSON (see docs/emulator.md)",
    )
    parser.add_argument(
        "--config",
        help="further settings as JSON, e.g. '{\"max_concurrent_executions\": 10}' (see /_emulator/config)",
    )
    parser.set_defaults(func=run)


def build_config(args: argparse.Namespace) -> EmulatorConfig:
    from sagemaker_pipelines_emulator.config import EmulatorConfig, apply_update
    from sagemaker_pipelines_emulator.outcome_rules import load_rules_file, rules_json

    update: dict[str, Any] = json.loads(args.config) if args.config else {}
    update.update(step_seconds=args.step_seconds, account_id=args.account_id)
    if args.events_file:
        update["events_path"] = args.events_file
    if args.events_queue_url:
        update["events_queue_url"] = args.events_queue_url
    if getattr(args, "outcomes", None) is not None:
        update["outcomes"] = rules_json(load_rules_file(args.outcomes))
    return apply_update(EmulatorConfig(), update)


async def _serve_until_signalled(config: EmulatorConfig, host: str, port: int) -> None:
    from sagemaker_pipelines_emulator.runner import serve

    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, task.cancel if task else (lambda: None))

    def ready(url: str) -> None:
        print(f"SageMaker emulator listening on {url}  (export AWS_ENDPOINT_URL_SAGEMAKER={url})", flush=True)

    with contextlib.suppress(asyncio.CancelledError):
        await serve(config, host, port, ready)


def run(args: argparse.Namespace) -> int:
    if not emulator_installed():
        print(f"smpo emulator: {EMULATOR_MISSING}", file=sys.stderr)
        return 2
    try:
        config = build_config(args)
    except (ValueError, TypeError) as exc:
        print(f"smpo emulator: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_serve_until_signalled(config, args.host, args.port))
    except OSError as exc:
        print(f"smpo emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0

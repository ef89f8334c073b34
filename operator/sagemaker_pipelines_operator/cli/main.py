"""Entry point of `smpo`: builds the argument parser from the subcommand modules and dispatches."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sagemaker_pipelines_operator import __version__

# Each module defines `register(subparsers)`, which adds its parser and sets `func`, a callable
# taking the parsed namespace and returning the exit code. Imports happen here, lazily per
# module, so `smpo crds` does not pay for kopf or boto3.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "sagemaker_pipelines_operator.cli.run",
    "sagemaker_pipelines_operator.cli.crds",
    "sagemaker_pipelines_operator.cli.emulator",
    "sagemaker_pipelines_operator.cli.controlplane",
    "sagemaker_pipelines_operator.cli.validate",
    "sagemaker_pipelines_operator.cli.diff",
    "sagemaker_pipelines_operator.cli.render",
    "sagemaker_pipelines_operator.cli.test",
    "sagemaker_pipelines_operator.cli.dev",
    "sagemaker_pipelines_operator.cli.rerun",
    "sagemaker_pipelines_operator.cli.history",
    "sagemaker_pipelines_operator.cli.compare",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smpo",
        description="GitOps for Amazon SageMaker Pipelines: operator, PR tooling and local stack.",
    )
    parser.add_argument("--version", action="version", version=f"smpo {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

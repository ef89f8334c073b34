"""`smpo crds`: write the CustomResourceDefinitions generated from the API models, and kopf's peering
CRDs that `smpo run` needs for its default leader election."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "crds",
        help="generate the CRD YAML (ours from the API models, and kopf's peering CRDs)",
        description=__doc__,
    )
    parser.add_argument("--out", type=Path, help="directory to write one file per kind (default: stdout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.api.crd import crd_files

    files = crd_files()
    if args.out is None:
        sys.stdout.write("---\n".join(files.values()))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    return 0

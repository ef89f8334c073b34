"""`smpo validate PATH...`: offline checks of manifests, as text, JSON or GitHub annotations.

Exit status: 0 valid, 1 invalid (any error; warnings too with --strict), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagemaker_pipelines_operator.validation import Finding, ManifestSet

FORMATS = ("text", "json", "github")
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check manifests offline (schema, definitions, cross-references)",
        description=(
            "Validate Pipeline, PipelineRun, PipelineSchedule and PipelineTrigger manifests offline "
            "with the operator's "
            "own models and definition validator, and check them against each other (run parameters "
            "against their Pipeline, ConfigMap definitions, duplicate SageMaker names). Other "
            "Kubernetes objects are passed over, so `kustomize build | smpo validate -` works."
        ),
    )
    add_input_arguments(parser)
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.set_defaults(func=run)


def add_input_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """The PATH arguments shared with `smpo diff` (where --versions makes them optional)."""
    parser.add_argument(
        "paths", nargs="+" if required else "*", metavar="PATH", help="files, directories, or - for stdin"
    )
    parser.add_argument(
        "--namespace",
        default=None,
        help="namespace of documents that set none (as `kubectl apply -n` would); default: they share one",
    )


def load(args: argparse.Namespace) -> tuple[ManifestSet, list[Finding]]:
    """Read the PATHs and validate them; raises UsageError for unreadable paths."""
    from sagemaker_pipelines_operator.validation import load_manifests, read_sources, validate_manifests

    manifests = load_manifests(read_sources(args.paths), args.namespace)
    return manifests, ordered(manifests, validate_manifests(manifests))


def ordered(manifests: ManifestSet, findings: list[Finding]) -> list[Finding]:
    """Findings in the order of the inputs, then by line; each reported once."""
    rank = {label: index for index, label in enumerate(manifests.sources)}
    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=lambda f: (rank.get(f.file, len(rank)), f.line, f.message))


def run(args: argparse.Namespace) -> int:
    from sagemaker_pipelines_operator.validation import Severity, UsageError

    try:
        manifests, findings = load(args)
    except UsageError as exc:
        print(f"smpo validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failing = {Severity.ERROR, Severity.WARNING} if args.strict else {Severity.ERROR}
    valid = not any(f.severity in failing for f in findings)
    render = {"text": render_text, "json": render_json, "github": render_github}[args.format]
    sys.stdout.write(render(manifests, findings, valid))
    return EXIT_OK if valid else EXIT_INVALID


def _counts(findings: list[Finding]) -> dict[str, int]:
    from sagemaker_pipelines_operator.validation import Severity

    return {str(s): sum(1 for f in findings if f.severity == s) for s in Severity}


def _summary(manifests: ManifestSet, findings: list[Finding], valid: bool) -> str:
    counts = _counts(findings)
    resources = manifests.our_resource_count
    files = len(manifests.sources)
    verdict = "valid" if valid else "INVALID"
    return (
        f"{verdict}: {resources} resource(s) in {files} file(s); "
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['notice']} notice(s)"
    )


def render_text(manifests: ManifestSet, findings: list[Finding], valid: bool) -> str:
    lines = [str(f) for f in findings]
    lines.append(_summary(manifests, findings, valid))
    return "\n".join(lines) + "\n"


def render_json(manifests: ManifestSet, findings: list[Finding], valid: bool) -> str:
    report = {
        "valid": valid,
        "counts": _counts(findings),
        "findings": [f.as_dict() for f in findings],
        "resources": [
            {
                "kind": r.kind,
                "namespace": r.namespace,
                "name": r.name,
                "file": r.doc.source,
                "line": r.doc.line,
                "valid": r.model is not None,
            }
            for r in manifests.resources
            if r.kind != "ConfigMap"
        ],
    }
    return json.dumps(report, indent=2) + "\n"


def render_github(manifests: ManifestSet, findings: list[Finding], valid: bool) -> str:
    """GitHub workflow commands: each finding becomes an annotation on its file and line."""
    lines = []
    for f in findings:
        properties = [f"line={f.line}"]
        if not f.file.startswith("<"):
            properties.insert(0, f"file={_escape_property(f.file)}")
        properties.append(
            f"title={_escape_property('smpo validate' + (f': {f.resource}' if f.resource else ''))}"
        )
        message = f"{f.field}: {f.message}" if f.field else f.message
        lines.append(f"::{f.severity} {','.join(properties)}::{_escape_data(message)}")
    lines.append(_summary(manifests, findings, valid))
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")

"""`smpo render MODULE:ATTR`: a SageMaker Python SDK Pipeline object -> a Pipeline manifest with the
definition inline, checked by the same validator as the operator. Offline: the SDK's own AWS calls
(default bucket, STS, S3) are answered locally with what AWS would say (offline_aws.py); a pipeline
that uploads local code is refused with the uploads listed, unless `--upload` lets them through.

Exit status: 0 written, 1 the object or its definition is unusable (or the SDK is missing), 2 usage.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Any

from sagemaker_pipelines_operator.cli.offline_aws import OfflineAws, OfflineCallRefused, offline, role_account
from sagemaker_pipelines_operator.cli.validate import EXIT_INVALID, EXIT_OK, EXIT_USAGE

SDK_MISSING = (
    "smpo render needs the SageMaker Python SDK: pip install 'sagemaker-pipelines-operator[sdk]' "
    "for 2.x or 'sagemaker-pipelines-operator[sdk3]' for 3.x (or any sagemaker in the same environment)"
)


class RenderError(Exception):
    """The target cannot be turned into a manifest; the message says why."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "render",
        help="turn a sagemaker SDK Pipeline object into a Pipeline manifest",
        description=(
            "Import MODULE (a module name, or a path to a .py file) and take ATTR, a sagemaker SDK "
            "Pipeline or a function without arguments that returns one; write a Pipeline manifest "
            "whose spec.definition.inline is pipeline.definition(). Needs the `sdk` extra."
        ),
    )
    parser.add_argument(
        "target", metavar="MODULE:ATTR", help="e.g. pipelines.churn:pipeline or build.py:make"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--name", help="metadata.name (default: the SDK pipeline name, lower-cased)")
    parser.add_argument("--namespace", help="metadata.namespace (default: none, set by kubectl/kustomize)")
    parser.add_argument(
        "--role-arn", required=True, help="spec.roleArn: the role SageMaker runs the pipeline as"
    )
    parser.add_argument("--description", help="spec.description")
    parser.add_argument(
        "--region", help="region for the SDK session while building (sets AWS_DEFAULT_REGION if unset)"
    )
    parser.add_argument(
        "--account-id",
        help="account the SDK is told it runs in, e.g. for its default bucket (default: the role's account)",
    )
    parser.add_argument(
        "--upload",
        action="store_true",
        help=(
            "let the SDK upload local code (ScriptProcessor code=, source_dir) to S3 with the AWS "
            "credentials of the environment; keys are content hashes, so the definition is reproducible"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        module_ref, attr = _split_target(args.target)
    except RenderError as exc:
        print(f"smpo render: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.region:
        os.environ.setdefault("AWS_DEFAULT_REGION", args.region)
    account = args.account_id or role_account(args.role_arn)
    if account is None:
        print(
            f"smpo render: --role-arn {args.role_arn!r} names no account; pass --account-id", file=sys.stderr
        )
        return EXIT_USAGE
    aws = OfflineAws(account, allow_uploads=args.upload)
    try:
        sdk_name, text = definition_from(module_ref, attr, aws)
        _check_uploads(aws)
        manifest = build_manifest(
            text,
            sdk_name,
            role_arn=args.role_arn,
            name=args.name,
            namespace=args.namespace,
            description=args.description,
        )
    except RenderError as exc:
        print(f"smpo render: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for upload in aws.uploads:
        print(f"smpo render: uploaded {upload.uri}", file=sys.stderr)
    output = _as_yaml(manifest, args.target)
    if args.output:
        Path(args.output).write_text(output)
        print(f"smpo render: wrote Pipeline {manifest['metadata']['name']} to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(output)
    return EXIT_OK


def _split_target(target: str) -> tuple[str, str]:
    module_ref, _, attr = target.rpartition(":")
    if not module_ref or not attr:
        raise RenderError(f"{target!r}: expected MODULE:ATTR, e.g. pipelines.churn:pipeline")
    return module_ref, attr


def _check_uploads(aws: OfflineAws) -> None:
    if aws.uploads and not aws.allow_uploads:
        listed = "\n  ".join(upload.uri for upload in aws.uploads)
        raise RenderError(
            "the pipeline uploads local code, which an offline render cannot do:\n  "
            f"{listed}\nRender with --upload where AWS credentials may write there (e.g. in CI on "
            "merge), or point the steps at code already in S3 (code='s3://...', source_dir='s3://...')."
        )


def definition_from(module_ref: str, attr: str, aws: OfflineAws | None = None) -> tuple[str, str]:
    """(SDK pipeline name, definition JSON) of `module_ref:attr`, with AWS answered by `aws`.

    The SDK prints its configuration notices on stdout, so stdout is sent to stderr while the
    user's code runs: the manifest may be going to stdout.
    """
    if importlib.util.find_spec("sagemaker") is None:
        raise RenderError(SDK_MISSING)
    aws = aws or OfflineAws("123456789012")
    with contextlib.redirect_stdout(sys.stderr), offline(aws):
        module = _import(module_ref)
        obj: Any = module
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise RenderError(f"{module_ref} has no attribute {attr!r}")
            obj = getattr(obj, part)
        if callable(obj) and not hasattr(obj, "definition"):
            obj = _call(obj, f"{module_ref}:{attr}")
        if not callable(getattr(obj, "definition", None)):
            raise RenderError(
                f"{module_ref}:{attr} is a {type(obj).__name__}, not a sagemaker Pipeline (no definition())"
            )
        text = _call(obj.definition, f"{module_ref}:{attr}.definition()")
    if not isinstance(text, str):
        raise RenderError(f"definition() returned a {type(text).__name__}, expected JSON text")
    return str(getattr(obj, "name", "") or ""), text


def _import(module_ref: str) -> Any:
    # Like `python -m`: modules next to where the command runs are importable.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        if module_ref.endswith(".py"):
            path = Path(module_ref)
            if not path.is_file():
                raise RenderError(f"{module_ref}: no such file")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            if spec is None or spec.loader is None:
                raise RenderError(f"{module_ref}: cannot be imported")
            module = importlib.util.module_from_spec(spec)
            sys.modules[path.stem] = module
            spec.loader.exec_module(module)
            return module
        return importlib.import_module(module_ref)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "sagemaker":
            raise RenderError(f"{SDK_MISSING}; importing {module_ref} failed on {exc.name}") from exc
        raise RenderError(f"cannot import {module_ref}: {exc}") from exc
    except RenderError:
        raise
    except OfflineCallRefused as exc:
        raise RenderError(f"importing {module_ref}: {exc}") from exc
    except Exception as exc:  # the user's module: any failure is reported, not a traceback
        raise _failed(f"importing {module_ref}", exc) from exc


def _call(function: Any, label: str) -> Any:
    try:
        return function()
    except RenderError:
        raise
    except OfflineCallRefused as exc:
        raise RenderError(f"{label}: {exc}") from exc
    except Exception as exc:
        raise _failed(label, exc) from exc


def _failed(label: str, exc: Exception) -> RenderError:
    # The SDK's own words for a missing region do not say how to give one here.
    hint = " (pass --region or set AWS_DEFAULT_REGION)" if "region" in str(exc).lower() else ""
    return RenderError(f"{label} failed: {type(exc).__name__}: {exc}{hint}")


def kube_name(sdk_name: str) -> str:
    """A Kubernetes name from a SageMaker pipeline name: `ChurnPipeline_v2` -> `churnpipeline-v2`."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", sdk_name.lower())).strip("-")[:253]


def build_manifest(
    text: str,
    sdk_name: str,
    *,
    role_arn: str,
    name: str | None = None,
    namespace: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """The Pipeline manifest, checked with the API model and the definition validator."""
    from pydantic import ValidationError

    from sagemaker_pipelines_operator.api.pipeline import Pipeline
    from sagemaker_pipelines_operator.definition import DefinitionError, parse_definition, validate_definition

    try:
        definition = parse_definition(text, allow_yaml=False)
    except DefinitionError as exc:
        raise RenderError(f"definition() is not a usable definition: {exc}") from exc
    problems = validate_definition(definition)
    if problems:
        raise RenderError("the definition has problems:\n  " + "\n  ".join(str(p) for p in problems))
    metadata_name = name or kube_name(sdk_name)
    if not metadata_name:
        raise RenderError("the SDK pipeline has no name; pass --name")
    metadata: dict[str, Any] = {"name": metadata_name}
    if namespace:
        metadata["namespace"] = namespace
    spec: dict[str, Any] = {}
    if sdk_name and sdk_name != metadata_name:
        spec["pipelineName"] = sdk_name
    spec["roleArn"] = role_arn
    if description:
        spec["description"] = description
    spec["definition"] = {"inline": definition}
    manifest = {"apiVersion": Pipeline.model_fields["api_version"].default, "kind": "Pipeline"}
    manifest |= {"metadata": metadata, "spec": spec}
    try:
        Pipeline.model_validate(manifest)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        raise RenderError(f"the manifest would be invalid: {reasons}") from exc
    return manifest


def _as_yaml(manifest: dict[str, Any], target: str) -> str:
    import yaml

    header = f"# Generated by `smpo render {target}`: change the Python code and render again.\n"
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=110)

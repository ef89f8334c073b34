"""Schema check of one document with the operator's own pydantic models, errors mapped to lines.

The models forbid unknown fields, so a typo (`roleArnn`) is reported on its line with the field
it was probably meant to be.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.api import common
from sagemaker_pipelines_operator.api.kinds import PIPELINE
from sagemaker_pipelines_operator.api.pipeline import TAG_PATTERN, Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.api.schedule import PipelineSchedule
from sagemaker_pipelines_operator.api.trigger import PipelineTrigger
from sagemaker_pipelines_operator.validation.documents import Document, FieldPath, format_field_path
from sagemaker_pipelines_operator.validation.findings import Finding, Severity

Model = Pipeline | PipelineRun | PipelineSchedule | PipelineTrigger
MODELS: dict[str, type[Model]] = {
    "Pipeline": Pipeline,
    "PipelineRun": PipelineRun,
    "PipelineSchedule": PipelineSchedule,
    "PipelineTrigger": PipelineTrigger,
}
CONFIGMAP = "ConfigMap"

# What each pattern of api/common.py means, in words a reviewer can act on.
_PATTERN_WORDS = {
    common.PIPELINE_NAME_PATTERN: "letters, digits and hyphens, starting with a letter or digit",
    common.EXECUTION_DISPLAY_NAME_PATTERN: "letters, digits and hyphens, at most 82",
    common.ROLE_ARN_PATTERN: "an IAM role ARN like arn:aws:iam::123456789012:role/name",
    common.PARAMETER_NAME_PATTERN: "letters, digits, '-' and '_'",
    common.STEP_NAME_PATTERN: "letters, digits, '-' and '_'",
    common.S3_BUCKET_PATTERN: "an S3 bucket name (lowercase letters, digits, '.' and '-')",
    common.REGION_PATTERN: "an AWS region like eu-west-1",
    common.K8S_NAME_PATTERN: "a lowercase RFC 1123 name (a-z, 0-9, '-' and '.')",
    common.CONFIGMAP_KEY_PATTERN: "a ConfigMap key (letters, digits, '-', '_' and '.')",
    common.EXECUTION_ARN_PATTERN: "a SageMaker pipeline execution ARN",
    TAG_PATTERN: "letters, digits, spaces and _ . : / = + - @",
}


@dataclass
class Resource:
    """A document recognised as one of our kinds (with its parsed model) or as a ConfigMap."""

    doc: Document
    kind: str
    namespace: str | None
    name: str | None
    model: Model | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name or '<unnamed>'}"

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return (self.kind, self.namespace, self.name)

    def finding(
        self,
        path: FieldPath,
        message: str,
        severity: Severity = Severity.ERROR,
        line_path: FieldPath | None = None,
    ) -> Finding:
        """A finding about `path`, placed on the line of `line_path` (default: `path` itself)."""
        return Finding(
            self.doc.source,
            self.doc.line_of(path if line_path is None else line_path),
            severity,
            message,
            self.label,
            format_field_path(path) or None,
        )


def check_document(doc: Document, default_namespace: str | None) -> tuple[Resource | None, list[Finding]]:
    """Classify `doc` and validate it when it is ours; other Kubernetes objects are passed over."""
    data = doc.data
    here = Finding(doc.source, doc.line, Severity.ERROR, "")
    if not isinstance(data, Mapping):
        message = f"a manifest must be a mapping with apiVersion and kind, got {_type_name(data)}"
        return None, [_with(here, message)]
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if api_version is None and kind is None:
        note = "skipped: not a Kubernetes object (no apiVersion or kind)"
        return None, [_with(here, note, Severity.NOTICE)]
    group = str(api_version).split("/")[0] if api_version is not None else None
    if group == GROUP or (api_version is None and kind in MODELS):
        return _check_ours(doc, data, default_namespace)
    if api_version == "v1" and kind == CONFIGMAP:
        metadata = data.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        namespace = metadata.get("namespace") or default_namespace
        return Resource(doc, CONFIGMAP, namespace, metadata.get("name")), []
    return None, []


def _check_ours(
    doc: Document, data: Mapping[str, Any], default_namespace: str | None
) -> tuple[Resource | None, list[Finding]]:
    kind, api_version = data.get("kind"), data.get("apiVersion")
    raw_metadata = data.get("metadata")
    metadata: Mapping[str, Any] = raw_metadata if isinstance(raw_metadata, Mapping) else {}
    name = metadata.get("name") if isinstance(metadata.get("name"), str) else None
    resource = Resource(doc, str(kind), metadata.get("namespace") or default_namespace, name)
    if kind is None:
        message = f"{GROUP} object without a kind (one of {', '.join(MODELS)})"
        return None, [Finding(doc.source, doc.line, Severity.ERROR, message, field="kind")]
    if kind not in MODELS:
        known = ", ".join(MODELS)
        hint = _suggest(str(kind), list(MODELS))
        return None, [resource.finding(("kind",), f"unknown kind {kind!r} in {GROUP} (known: {known}){hint}")]
    if api_version != f"{GROUP}/{VERSION}":
        shown = "missing" if api_version is None else repr(api_version)
        message = f"apiVersion is {shown}; this smpo knows {GROUP}/{VERSION}"
        return None, [resource.finding(("apiVersion",), message)]
    findings = _metadata_findings(resource, data)
    model_cls = MODELS[str(kind)]
    try:
        resource.model = model_cls.model_validate(dict(data))
    except ValidationError as exc:
        errors = _without_explained_missing(model_cls, exc.errors(include_url=False))
        findings.extend(_error_finding(resource, model_cls, error) for error in errors)
    return resource, findings


def _without_explained_missing(model_cls: type[BaseModel], errors: list[Any]) -> list[Any]:
    """Drop "missing roleArn" when the same mapping has `roleArnn`: the typo says it all."""
    meant: set[tuple[Any, ...]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = tuple(error["loc"])
            close = difflib.get_close_matches(str(loc[-1]), _fields_at(model_cls, loc[:-1]), n=1, cutoff=0.6)
            meant.update((*loc[:-1], name) for name in close)
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in meant)]


def _metadata_findings(resource: Resource, data: Mapping[str, Any]) -> list[Finding]:
    metadata = data.get("metadata")
    if not isinstance(metadata, Mapping):
        return [resource.finding(("metadata",), "metadata with a name is required")]
    name = metadata.get("name")
    if name is None:
        if metadata.get("generateName") and resource.kind == "PipelineRun":
            return []  # `kubectl create` names it; nothing else can refer to it anyway
        return [resource.finding(("metadata",), "metadata.name is required")]
    if not isinstance(name, str) or not re.fullmatch(common.K8S_NAME_PATTERN, name):
        return [
            resource.finding(
                ("metadata", "name"), f"{name!r} is not {_PATTERN_WORDS[common.K8S_NAME_PATTERN]}"
            )
        ]
    spec = data.get("spec")
    has_pipeline_name = isinstance(spec, Mapping) and "pipelineName" in spec
    if (
        resource.kind == PIPELINE.kind
        and not has_pipeline_name
        and not re.fullmatch(common.PIPELINE_NAME_PATTERN, name)
    ):
        message = f"{name!r} is not a valid SageMaker pipeline name (no dots); set spec.pipelineName"
        return [resource.finding(("metadata", "name"), message)]
    return []


def _error_finding(resource: Resource, model_cls: type[BaseModel], error: Mapping[str, Any]) -> Finding:
    loc: list[str | int] = list(error["loc"])
    about_key = bool(loc) and loc[-1] == "[key]"
    if about_key:
        loc.pop()
    path = tuple(loc)
    message = _describe(error, model_cls, path, about_key)
    if error["type"] == "value_error":
        path, message = _narrow_to_named_child(resource, path, message)
    elif error["type"] == "missing":
        return resource.finding(path, message, line_path=path[:-1])
    return resource.finding(path, message)


def _describe(  # noqa: PLR0911 (one return per pydantic error type)
    error: Mapping[str, Any], model_cls: type[BaseModel], path: FieldPath, about_key: bool
) -> str:
    kind, msg, value = error["type"], str(error["msg"]), error.get("input")
    field = str(path[-1]) if path else "document"
    if kind == "extra_forbidden":
        allowed = _fields_at(model_cls, path[:-1])
        return f"unknown field '{field}'{_suggest(field, allowed)}"
    if kind == "missing":
        return f"missing required field '{field}'"
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        words = _PATTERN_WORDS.get(pattern, f"matching {pattern}")
        what = "key" if about_key else "value"
        return f"{what} {value!r} is not {words}"
    if kind == "string_type" and isinstance(value, int | float | bool):
        quoted = str(value).lower() if isinstance(value, bool) else str(value)
        return f"must be a string: quote it ('{quoted}'), YAML read it as a {_type_name(value)}"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "literal_error":
        return msg.replace("Input should be", "must be", 1) + f", got {value!r}"
    text = msg.replace("Input should be", "must be", 1)
    if isinstance(value, str | int | float | bool) and kind not in ("too_short", "too_long"):
        text += f", got {value!r}"
    return text


def _narrow_to_named_child(resource: Resource, path: FieldPath, message: str) -> tuple[FieldPath, str]:
    """A model validator's message starting `tags: ...` is about that child: point at its line."""
    match = re.match(r"([A-Za-z]+): ", message)
    if match:
        child = (*path, match.group(1))
        if resource.doc.node_at(child)[1]:
            return child, message[match.end() :]
    return path, message


def _fields_at(model_cls: type[BaseModel], path: FieldPath) -> list[str]:
    """The wire names allowed at `path` of `model_cls` (empty when the path leaves the models)."""
    current: Any = model_cls
    for part in path:
        current = _unwrap(current)
        if isinstance(part, int):
            current = _item_type(current)
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = next(
                (f for n, f in current.model_fields.items() if (f.alias or n) == part),
                None,
            )
            current = field.annotation if field else None
        else:
            current = _item_type(current)  # a dict value
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0] if len(options) == 1 else None
        else:
            return annotation


def _item_type(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    return args[-1] if args else None


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _type_name(value: object) -> str:
    names = {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "nothing" if value is None else names.get(type(value), type(value).__name__)


def _with(finding: Finding, message: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(finding.file, finding.line, severity, message)

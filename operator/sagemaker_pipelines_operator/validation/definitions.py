"""A Pipeline's definition as the operator would read it: inline, or from a ConfigMap in the same
tree; checked with the operator's own validator, each problem placed on its manifest line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from sagemaker_pipelines_operator.definition import (
    DefinitionError,
    DefinitionProblem,
    parse_definition,
    validate_definition,
)
from sagemaker_pipelines_operator.validation.documents import (
    Document,
    FieldPath,
    node_line,
    parse_field_path,
    value_node,
    walk,
)
from sagemaker_pipelines_operator.validation.findings import Finding, Severity
from sagemaker_pipelines_operator.validation.schema import CONFIGMAP, Resource

INLINE_PATH: FieldPath = ("spec", "definition", "inline")
CONFIGMAP_REF_PATH: FieldPath = ("spec", "definition", "configMapRef")


@dataclass(frozen=True)
class DefinitionSite:
    """Where the definition text sits in the manifests, to place problems on lines."""

    doc: Document
    base: FieldPath
    """Path of the inline mapping, or of the ConfigMap `data` key holding the text."""
    text_root: yaml.Node | None = None
    """The composed text of a ConfigMap value, when its lines can be followed (a `|` block)."""
    text_offset: int = 0
    """Manifest line (1-based) of the `key: |` line; the text starts on the next line."""

    def line_of(self, problem_path: str) -> int:
        path = parse_field_path(problem_path)
        if self.text_root is None:
            return self.doc.line_of((*self.base, *path))
        node, _ = walk(self.text_root, path)
        return self.text_offset + node_line(node)


@dataclass
class ResolvedDefinition:
    """The definition (None when it cannot be read offline) and what was found reading it."""

    definition: dict[str, Any] | None
    site: DefinitionSite | None
    findings: list[Finding] = field(default_factory=list)


Lookup = Callable[[str, str | None, str | None], Resource | None]


def resolve_definition(pipeline: Resource, lookup: Lookup) -> ResolvedDefinition:
    """Read and validate `pipeline`'s definition; `lookup(kind, namespace, name)` finds ConfigMaps.

    Works on the document itself, so a definition is checked even when other fields are invalid.
    """
    spec = pipeline.doc.data.get("spec") if isinstance(pipeline.doc.data, Mapping) else None
    source = spec.get("definition") if isinstance(spec, Mapping) else None
    if not isinstance(source, Mapping):
        return ResolvedDefinition(None, None)
    inline, ref, s3 = source.get("inline"), source.get("configMapRef"), source.get("s3")
    if isinstance(inline, Mapping) and ref is None and s3 is None:
        return _checked(pipeline, inline, DefinitionSite(pipeline.doc, INLINE_PATH))
    if isinstance(ref, Mapping) and inline is None and s3 is None:
        name, key = ref.get("name"), ref.get("key")
        if isinstance(name, str) and isinstance(key, str):
            return _from_configmap(pipeline, name, key, lookup)
    if isinstance(s3, Mapping) and inline is None and ref is None:
        where = f"s3://{s3.get('bucket')}/{s3.get('key')}"
        note = f"definition is read from {where} by the operator; it is not checked offline"
        finding = pipeline.finding(("spec", "definition", "s3"), note, Severity.NOTICE)
        return ResolvedDefinition(None, None, [finding])
    return ResolvedDefinition(None, None)


def _from_configmap(pipeline: Resource, name: str, key: str, lookup: Lookup) -> ResolvedDefinition:
    configmap = lookup(CONFIGMAP, pipeline.namespace, name)
    if configmap is None:
        note = (
            f"ConfigMap '{name}' is not among these manifests, so the definition is not checked "
            "(pipe `kustomize build` output into `smpo validate -` to include generated ConfigMaps)"
        )
        return ResolvedDefinition(None, None, [pipeline.finding(CONFIGMAP_REF_PATH, note, Severity.WARNING)])
    data = configmap.doc.data.get("data") if isinstance(configmap.doc.data, dict) else None
    data = data if isinstance(data, dict) else {}
    if key not in data:
        keys = ", ".join(sorted(str(k) for k in data)) or "none"
        message = f"ConfigMap '{name}' has no key '{key}' (keys: {keys})"
        return ResolvedDefinition(None, None, [pipeline.finding((*CONFIGMAP_REF_PATH, "key"), message)])
    text = data[key]
    base: FieldPath = ("data", key)
    if not isinstance(text, str):
        message = f"ConfigMap data values are strings; '{key}' holds a {type(text).__name__}"
        return ResolvedDefinition(None, None, [configmap.finding(base, message)])
    return _checked(pipeline, text, _text_site(configmap.doc, base, text))


def _text_site(doc: Document, base: FieldPath, text: str) -> DefinitionSite:
    node = value_node(doc.node, base)
    # Only a literal block (`key: |`) keeps the text's line breaks where they are in the file.
    if isinstance(node, yaml.ScalarNode) and node.style == "|":
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            root = None
        if root is not None:
            return DefinitionSite(doc, base, root, node_line(node))
    return DefinitionSite(doc, base)


def _checked(pipeline: Resource, source: Any, site: DefinitionSite) -> ResolvedDefinition:
    try:
        definition = parse_definition(source)
    except DefinitionError as exc:
        return ResolvedDefinition(None, site, [_problem_finding(pipeline, site, p) for p in exc.problems])
    problems = validate_definition(definition)
    return ResolvedDefinition(definition, site, [_problem_finding(pipeline, site, p) for p in problems])


def _problem_finding(pipeline: Resource, site: DefinitionSite, problem: DefinitionProblem) -> Finding:
    step = f"step '{problem.step}': " if problem.step else ""
    return Finding(
        site.doc.source,
        site.line_of(problem.path),
        Severity.ERROR,
        f"{step}{problem.message}",
        pipeline.label,
        ".".join(part for part in (_dotted(site.base), problem.path) if part) or None,
    )


def _dotted(path: FieldPath) -> str:
    return ".".join(str(part) for part in path)

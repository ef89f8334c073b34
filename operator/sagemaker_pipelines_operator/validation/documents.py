"""Manifest sources (files, directories, stdin) read into YAML documents that remember their lines.

PyYAML's composed nodes keep the position of every key and value, so a finding about
`spec.definition.inline.Steps[2]` can name the line a reviewer has to change.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sagemaker_pipelines_operator.validation.findings import Finding, Severity

STDIN = "-"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# `smpo test` scenario files (docs/testing-pipelines.md) live among manifests but are not ones.
SCENARIO_SUFFIXES = (".test.yaml", ".test.yml")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

FieldPath = tuple[str | int, ...]


class UsageError(Exception):
    """A path that does not exist or cannot be read: the command line is wrong, not a manifest."""


@dataclass(frozen=True)
class Source:
    """Text of one input, labelled as the user named it (`-` reads as `<stdin>`)."""

    label: str
    text: str
    unreadable: str | None = None
    """Why the text could not be decoded; reported as a finding on the source."""


class _ManifestLoader(yaml.SafeLoader):
    """SafeLoader keeping `2020-12-01` a string (as kubectl does) and noting duplicate keys."""

    duplicates: list[tuple[str, int]]


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _ManifestLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str | int | float | bool) and key in seen:
            loader.duplicates.append((str(key), key_node.start_mark.line + 1))
        seen.add(key if isinstance(key, str | int | float | bool) else id(key_node))
    return loader.construct_mapping(node, deep=True)


_ManifestLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class Document:
    """One YAML document of a source: its data and its node tree (for line numbers)."""

    source: str
    index: int
    node: yaml.Node
    data: Any
    notes: list[Finding] = field(default_factory=list)

    @property
    def line(self) -> int:
        return node_line(self.node)

    def node_at(self, path: FieldPath) -> tuple[yaml.Node, bool]:
        """The deepest node along `path` and whether the whole path exists."""
        return walk(self.node, path)

    def line_of(self, path: FieldPath) -> int:
        """1-based line of `path`, or of its deepest existing ancestor."""
        return node_line(self.node_at(path)[0])


def node_line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def walk(root: yaml.Node, path: FieldPath) -> tuple[yaml.Node, bool]:
    """Follow `path` from `root`; a mapping entry resolves to its key node (where its line starts)."""
    node = root
    for depth, part in enumerate(path):
        child = _child(node, part)
        if child is None:
            return node, False
        key_node, value_node = child
        if depth == len(path) - 1:
            return key_node, True
        node = value_node
    return node, True


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return key_node, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: yaml.Node = node.value[part]
        return item, item
    return None


def value_node(root: yaml.Node, path: FieldPath) -> yaml.Node | None:
    """The value node at `path` (not its key), or None when the path does not exist."""
    node = root
    for part in path:
        child = _child(node, part)
        if child is None:
            return None
        node = child[1]
    return node


def parse_field_path(text: str) -> FieldPath:
    """`Steps[2].Arguments.IfSteps[0]` -> ("Steps", 2, "Arguments", "IfSteps", 0)."""
    return tuple(int(index) if index else name for name, index in _PATH_PART.findall(text))


def format_field_path(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_documents(source: Source) -> tuple[list[Document], list[Finding]]:
    """Every document of `source` (empty ones dropped) and the problems met while reading it."""
    documents: list[Document] = []
    problems: list[Finding] = []
    if source.unreadable:
        return documents, [Finding(source.label, 1, Severity.ERROR, source.unreadable)]
    loader = _ManifestLoader(source.text)
    loader.duplicates = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            loader.duplicates = []
            data = loader.construct_document(node)
            doc = Document(source.label, len(documents), node, data)
            for key, line in loader.duplicates:
                doc.notes.append(
                    Finding(
                        source.label,
                        line,
                        Severity.ERROR,
                        f"duplicate key '{key}': the later value would silently win",
                    )
                )
            if data is not None:
                documents.append(doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        problems.append(Finding(source.label, line, Severity.ERROR, f"not valid YAML: {_yaml_reason(exc)}"))
    except yaml.YAMLError as exc:
        problems.append(Finding(source.label, 1, Severity.ERROR, f"not valid YAML: {exc}"))
    finally:
        loader.dispose()
    if not documents and not problems:
        problems.append(Finding(source.label, 1, Severity.ERROR, "empty file: no YAML documents"))
    return documents, problems


def _yaml_reason(exc: yaml.MarkedYAMLError) -> str:
    context = exc.context
    started, failed = exc.context_mark, exc.problem_mark
    if context and started is not None and failed is not None and started.line != failed.line:
        context += f" (started on line {started.line + 1})"
    parts = [part for part in (context, exc.problem) if part]
    return ", ".join(parts) or str(exc)


def read_sources(paths: Sequence[str]) -> list[Source]:
    """The sources named on the command line; directories are searched for *.yaml, *.yml, *.json."""
    sources: list[Source] = []
    for given in paths:
        if given == STDIN:
            sources.append(Source("<stdin>", sys.stdin.read()))
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(_manifest_files(path))
            if not files:
                raise UsageError(f"{given}: no *.yaml, *.yml or *.json files in this directory")
            sources.extend(_read(file) for file in files)
        elif path.exists():
            sources.append(_read(path))
        else:
            raise UsageError(f"{given}: no such file or directory")
    return sources


def _manifest_files(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*"):
        relative = path.relative_to(directory).parts
        if any(part.startswith(".") for part in relative):
            continue  # .git, .github and editor files are not manifests
        if path.name.lower().endswith(SCENARIO_SUFFIXES):
            continue
        if path.is_file() and path.suffix.lower() in MANIFEST_SUFFIXES:
            yield path


def _read(path: Path) -> Source:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from exc
    try:
        return Source(str(path), raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Source(str(path), "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")

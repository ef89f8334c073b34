"""Values documentation: reads the `# --` comments of a chart's values.yaml into a Markdown table.

The same convention as helm-docs: a `# -- text` comment (continued by further `#` lines) documents
the key below it; a documented map is one row, its contents shown as its default. Every leaf must
be documented by itself or by an ancestor, so an undocumented new value fails the generation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_.-]+):(?:\s|$)")
_DOC_START = re.compile(r"^\s*# -- ?(?P<text>.*)$")
_DOC_MORE = re.compile(r"^\s*#(?: (?P<text>.*))?$")


@dataclass(frozen=True)
class ValueDoc:
    path: str
    type: str
    default: str
    description: str


def documented_paths(text: str) -> dict[str, str]:
    """Dotted key path → description, for every key preceded by a `# --` comment."""
    docs: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    pending: list[str] | None = None
    for line in text.splitlines():
        start = _DOC_START.match(line)
        if start:
            pending = [start["text"].strip()]
            continue
        more = _DOC_MORE.match(line)
        if more and pending is not None:
            pending.append((more["text"] or "").strip())
            continue
        key = _KEY.match(line)
        if key is None or line.lstrip().startswith("-"):
            pending = None if not line.strip() else pending
            continue
        indent = len(key["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key["key"]))
        if pending is not None:
            docs[".".join(k for _, k in stack)] = " ".join(p for p in pending if p)
            pending = None
    return docs


def value_docs(text: str) -> list[ValueDoc]:
    """One row per documented key, in file order; raises if some value is undocumented."""
    values = yaml.safe_load(text) or {}
    docs = documented_paths(text)
    missing = [p for p in _leaf_paths(values) if not _covered(p, docs)]
    if missing:
        raise ValueError(f"values without a `# --` description: {', '.join(missing)}")
    rows = []
    for path, description in docs.items():
        value = _lookup(values, path)
        rows.append(ValueDoc(path, _type_name(value), _default(value), description))
    return rows


def markdown_table(rows: list[ValueDoc]) -> str:
    lines = ["| Key | Type | Default | Description |", "|-----|------|---------|-------------|"]
    for row in rows:
        cells = [f"`{row.path}`", row.type, f"`{row.default}`", row.description]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _leaf_paths(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        out: list[str] = []
        for key, value in node.items():
            out.extend(_leaf_paths(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return [prefix]


def _covered(path: str, docs: dict[str, str]) -> bool:
    parts = path.split(".")
    return any(".".join(parts[:n]) in docs for n in range(1, len(parts) + 1))


def _lookup(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        node = node[part]
    return node


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _default(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"))

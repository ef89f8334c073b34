"""The documentation of api/conditions.py as data: each constant's attribute docstring and the
`# --- Section ---` comments that group them, read from the module's source (one truth for the docs)."""

from __future__ import annotations

import ast
import inspect
import itertools
import re
from dataclasses import dataclass

from sagemaker_pipelines_operator.api import conditions

_SECTION = re.compile(r"^# --- (.+?) -*$")


@dataclass(frozen=True)
class Documented:
    """A string constant of conditions.py with its attribute docstring and the section it is in."""

    section: str
    name: str
    value: str
    doc: str


@dataclass(frozen=True)
class Section:
    """A `# --- Title ---` comment of conditions.py and the comment lines right below it."""

    line: int
    title: str
    note: str


def condition_sections() -> list[Section]:
    """The section comments of conditions.py, in order."""
    lines = inspect.getsource(conditions).splitlines()
    sections: list[Section] = []
    for number, line in enumerate(lines, start=1):
        if match := _SECTION.match(line):
            note = []
            for following in lines[number:]:
                if not following.startswith("#"):
                    break
                note.append(following.lstrip("#").strip())
            sections.append(Section(number, match.group(1), " ".join(note)))
    return sections


def documented_constants() -> list[Documented]:
    """Every string constant of api/conditions.py, read from its source in order."""
    sections = condition_sections()
    body = ast.parse(inspect.getsource(conditions)).body
    found: list[Documented] = []
    for node, following in itertools.pairwise(body):
        target = _assigned_name(node)
        if target is None:
            continue
        value = getattr(conditions, target)
        if not isinstance(value, str):
            continue
        doc = ""
        if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            doc = inspect.cleandoc(str(following.value.value))
        section = next((s.title for s in reversed(sections) if s.line < node.lineno), "")
        found.append(Documented(section, target, value, doc))
    return found


def _assigned_name(node: ast.stmt) -> str | None:
    targets: list[ast.expr] = []
    if isinstance(node, ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.Assign):
        targets = node.targets
    if len(targets) == 1 and isinstance(targets[0], ast.Name):
        return targets[0].id
    return None

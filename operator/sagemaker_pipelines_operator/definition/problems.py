"""DefinitionProblem: one precise finding about a pipeline definition (where, what, which step)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A step's own path: `Steps[2]`, or a branch step inside a Condition, `Steps[2].Arguments.IfSteps[0]`.
_STEP_PREFIX = re.compile(r"^Steps\[\d+\](?:\.Arguments\.(?:IfSteps|ElseSteps)\[\d+\])*")
YAML_BOOLEAN_HINT = "; YAML 1.1 reads unquoted yes, no, on, off, true and false as booleans: quote it"


def boolean_hint(value: object) -> str:
    """The YAML 1.1 hint when `value` is a boolean where text was meant (`Type: on`), else ''."""
    return YAML_BOOLEAN_HINT if isinstance(value, bool) else ""


@dataclass(frozen=True)
class DefinitionProblem:
    """A problem found at `path` (e.g. `Steps[2].DependsOn[0]`), inside step `step` when known."""

    path: str
    message: str
    step: str | None = None

    @property
    def field(self) -> str:
        """The path relative to the step that owns it (`DependsOn[0]`), or the full path."""
        if self.step is None:
            return self.path
        match = _STEP_PREFIX.match(self.path)
        if match is None:
            return self.path
        return self.path[match.end() :].lstrip(".")

    def __str__(self) -> str:
        where = self.field
        prefix = f"step '{self.step}': " if self.step is not None else ""
        return f"{prefix}{where}: {self.message}" if where else f"{prefix}{self.message}"

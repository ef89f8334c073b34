"""Finding: one message about one line of one manifest file, with its severity."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """`error` fails validation; `warning` and `notice` are shown but do not."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


@dataclass(frozen=True)
class Finding:
    """A message about `file` at `line` (1-based); `resource` is `Kind/name` when known."""

    file: str
    line: int
    severity: Severity
    message: str
    resource: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data

    def __str__(self) -> str:
        subject = f"{self.resource}: " if self.resource else ""
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}: {self.severity}: {subject}{where}{self.message}"


def sort_key(finding: Finding) -> tuple[str, int, str]:
    return (finding.file, finding.line, finding.message)

"""The `emulator:` directives a step's Description may carry (fail, seconds, out.<key>), parsed
once when a pipeline version is stored; docs/emulator.md describes them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"emulator:(fail|seconds|out)(?:\.([^=\s]+))?(?:=(\S+))?")


class DirectiveError(ValueError):
    """An `emulator:` directive that cannot be understood."""


@dataclass(frozen=True)
class Directives:
    fail_attempts: int | None = None  # None: no directive, -1: every attempt
    seconds: float | None = None
    outputs: tuple[tuple[str, str], ...] = ()


def parse_directives(description: object) -> Directives:
    if not isinstance(description, str) or "emulator:" not in description:
        return Directives()
    fail: int | None = None
    seconds: float | None = None
    outputs: list[tuple[str, str]] = []
    for match in _DIRECTIVE.finditer(description):
        kind, key, value = match.groups()
        try:
            if kind == "fail":
                fail = -1 if value is None else int(value)
            elif kind == "seconds":
                seconds = float(value or "")
            elif key and value is not None:
                outputs.append((key, value))
            else:
                raise ValueError("expected emulator:out.<key>=<value>")
        except ValueError as exc:
            raise DirectiveError(f"cannot read directive '{match.group(0)}': {exc}") from None
    return Directives(fail, seconds, tuple(outputs))

"""Java regular expressions from the botocore model, made usable by Python's `re`.

The model's patterns are Java's: matched against the whole value, and some use Unicode
classes (`\\p{L}`, `\\p{N}`, `\\p{Z}`) that `re` does not know.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Python spellings of the Unicode classes the SageMaker model uses (letters, numbers, separators).
_UNICODE_CLASSES = {
    "L": r"[^\W\d_]",
    "N": r"\d",
    "Z": "[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
}
_PROPERTY = re.compile(r"\\p\{([A-Z])\}")


def _split_class(body: str) -> tuple[str, list[str]]:
    """`\\p{L}_.:` -> ('_.:', ['[^\\W\\d_]']): the plain part and the Unicode alternatives."""
    alternatives = [_UNICODE_CLASSES[name] for name in _PROPERTY.findall(body)]
    return _PROPERTY.sub("", body), alternatives


def translate(pattern: str) -> str:
    """Rewrite every `[...]` holding `\\p{X}` as `(?:[...]|alternatives)`; other text is unchanged."""
    if "\\p{" not in pattern:
        return pattern
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char != "[":
            out.append(char)
            index += 1
            continue
        end = index + 1
        while end < len(pattern) and pattern[end] != "]":
            end += 2 if pattern[end] == "\\" else 1
        body = pattern[index + 1 : end]
        plain, alternatives = _split_class(body)
        if not alternatives:
            out.append(pattern[index : end + 1])
        else:
            parts = ([f"[{plain}]"] if plain else []) + alternatives
            out.append(f"(?:{'|'.join(parts)})")
        index = end + 1
    return "".join(out)


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern))


def matches(pattern: str, value: str) -> bool:
    """True when the whole of `value` matches the Java `pattern` (Java's `matches()`)."""
    return compiled(pattern).fullmatch(value) is not None

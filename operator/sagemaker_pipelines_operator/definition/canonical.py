"""Canonical JSON of a definition (sorted keys, no insignificant whitespace) and its sha256 hash.

Definitions are compared by this hash, never as strings: key order and formatting do not matter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence


def _plain(value: object) -> object:
    """Turn any Mapping/Sequence tree into dicts and lists so json can encode it."""
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"definition keys must be strings, got {type(key).__name__} {key!r}")
            out[key] = _plain(item)
        return out
    if isinstance(value, (str, bytes, bytearray)):
        if not isinstance(value, str):
            raise TypeError("definition values must be JSON values, got bytes")
        return value
    if isinstance(value, Sequence):
        return [_plain(item) for item in value]
    return value


def canonical_json(obj: object) -> str:
    """Key-sorted, whitespace-free JSON; integral floats keep json's spelling (`1.0` stays `1.0`)."""
    return json.dumps(_plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def definition_hash(obj: object) -> str:
    """sha256 (hex, 64 characters) of `canonical_json(obj)`."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def pretty_json(obj: object) -> str:
    """Key-sorted JSON indented by two spaces, the form used for diffs and for people."""
    return json.dumps(_plain(obj), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)

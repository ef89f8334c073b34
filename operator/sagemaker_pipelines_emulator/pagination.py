"""NextToken/MaxResults paging over an ordered list, with tokens bound to the query that made them."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from sagemaker_pipelines_emulator import errors

T = TypeVar("T")
_IGNORED = frozenset({"NextToken", "MaxResults"})


def _query_key(params: dict[str, Any]) -> str:
    query = {key: value for key, value in params.items() if key not in _IGNORED}
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]


def page(items: Sequence[T], params: dict[str, Any], default_size: int) -> tuple[list[T], str | None]:
    """The slice of `items` the request asks for and the NextToken of the rest (None at the end)."""
    size = int(params.get("MaxResults") or default_size)
    offset = 0
    token = params.get("NextToken")
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset, query = int(decoded["o"]), str(decoded["q"])
        except (ValueError, KeyError, TypeError):
            raise errors.validation(
                "Invalid pagination token: NextToken was not issued by this service"
            ) from None
        if query != _query_key(params) or offset < 0:
            raise errors.validation("Invalid pagination token: NextToken belongs to a different request")
    chunk = list(items[offset : offset + size])
    if offset + size >= len(items):
        return chunk, None
    raw = json.dumps({"o": offset + size, "q": _query_key(params)}).encode()
    return chunk, base64.urlsafe_b64encode(raw).decode()

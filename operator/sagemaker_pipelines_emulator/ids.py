"""Random resource ids, in SageMaker's alphabet (lower-case letters and digits) unless told."""

from __future__ import annotations

import secrets
import string

_ID_ALPHABET = string.ascii_lowercase + string.digits


def random_id(length: int, alphabet: str = _ID_ALPHABET) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))

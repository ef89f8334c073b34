"""AWS JSON 1.1 on the wire: which operation a request names, its region and the caller's access
key id, its JSON body, and the shape of success and error responses (timestamps are epoch seconds)."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from typing import Any

from sagemaker_pipelines_emulator import errors

TARGET_PREFIX = "SageMaker."
CONTENT_TYPE = "application/x-amz-json-1.1"
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


def operation_of(target: str | None) -> str:
    if not target:
        raise errors.ApiError(
            "UnknownOperationException", "Missing X-Amz-Target header (expected SageMaker.<Operation>)"
        )
    if not target.startswith(TARGET_PREFIX):
        raise errors.ApiError(
            "UnknownOperationException", f"Unknown target service in X-Amz-Target '{target}'"
        )
    return target[len(TARGET_PREFIX) :]


def region_of(authorization: str | None, default: str = "us-east-1") -> str:
    """The region of the SigV4 credential scope, as SageMaker routes by it."""
    match = _CREDENTIAL_SCOPE.search(authorization or "")
    return match.group(1) if match else default


def access_key_of(authorization: str | None) -> str | None:
    """The access key id the SigV4 signature names (never the secret: it is not on the wire)."""
    match = _ACCESS_KEY.search(authorization or "")
    return match.group(1) if match else None


def parse_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.serialization(f"Request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise errors.serialization("Request body must be a JSON object")
    return body


# Request ids look like the service's (a UUID); a per-process prefix plus a counter is unique
# enough and far cheaper than uuid4() on every call.
_REQUEST_PREFIX = str(uuid.uuid4())[:24]
_REQUEST_COUNTER = itertools.count(1)


def request_id() -> str:
    return f"{_REQUEST_PREFIX}{next(_REQUEST_COUNTER) % 16**12:012x}"


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def error_body(error: errors.ApiError) -> dict[str, Any]:
    return {"__type": error.code, "Message": error.message}

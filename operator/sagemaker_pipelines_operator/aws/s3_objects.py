"""Reading a definition object from S3 (s3:GetObject): a missing object is None, other errors are
mapped onto the taxonomy."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.aws.errors import classify_aws_error, is_not_found
from sagemaker_pipelines_operator.errors import Stalled

MAX_OBJECT_BYTES = 10 * 1024 * 1024
"""A definition is at most a few MB; a bigger object is a wrong key, not a definition."""


def get_object_bytes(client: Any, bucket: str, key: str, version_id: str | None = None) -> bytes | None:
    """The object's content; None when bucket, key or version is missing."""
    params = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
    try:
        response = client.get_object(**params)
        body: bytes = response["Body"].read(MAX_OBJECT_BYTES + 1)
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise classify_aws_error(exc, "s3:GetObject") from exc
    if len(body) > MAX_OBJECT_BYTES:
        raise Stalled(
            c.INVALID_DEFINITION,
            f"s3://{bucket}/{key} is larger than {MAX_OBJECT_BYTES} bytes: not a definition",
        )
    return body

"""The reads behind a Pipeline's definition source say "not there" with a value: a missing S3
object is None from `get_object_bytes`, a missing ConfigMap None from the Kubernetes seam, a
missing key None from `ConfigMapData.value`; real failures stay the taxonomy's errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_pipelines_operator.aws.s3_objects import MAX_OBJECT_BYTES, get_object_bytes
from sagemaker_pipelines_operator.errors import NotFound, Stalled, Transient
from sagemaker_pipelines_operator.runtime.kube import ConfigMapData


class FakeS3:
    def __init__(self, body: bytes | None = None, error: ClientError | None = None) -> None:
        self.body, self.error = body, error

    def get_object(self, **params: Any) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        return {"Body": io.BytesIO(self.body or b"")}


def s3_error(code: str, status: int = 400) -> ClientError:
    error: Any = {"Code": code, "Message": code}
    return ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")


@pytest.mark.parametrize("code", ["NoSuchKey", "NoSuchBucket", "ResourceNotFoundException"])
def test_a_missing_s3_object_is_none(code: str) -> None:
    assert get_object_bytes(FakeS3(error=s3_error(code)), "defs", "churn.json") is None


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        pytest.param(s3_error("AccessDenied", 403), Stalled, id="access-denied"),
        pytest.param(s3_error("SlowDown", 503), Transient, id="throttled"),
    ],
)
def test_other_s3_failures_are_raised(error: ClientError, kind: type[Exception]) -> None:
    with pytest.raises(kind) as raised:
        get_object_bytes(FakeS3(error=error), "defs", "churn.json")
    assert not isinstance(raised.value, NotFound)


def test_an_s3_object_is_read_and_bounded() -> None:
    assert get_object_bytes(FakeS3(b'{"Version": "2020-12-01"}'), "defs", "k") == b'{"Version": "2020-12-01"}'
    with pytest.raises(Stalled):
        get_object_bytes(FakeS3(b"x" * (MAX_OBJECT_BYTES + 1)), "defs", "k")


@pytest.mark.parametrize(
    ("configmap", "key", "value"),
    [
        pytest.param(ConfigMapData({"definition.json": "{}"}), "definition.json", "{}", id="text"),
        pytest.param(ConfigMapData(binary_data={"d.json.gz": b"\x1f"}), "d.json.gz", b"\x1f", id="binary"),
        pytest.param(ConfigMapData({"k": "text"}, {"k": b"bin"}), "k", "text", id="text-first"),
        pytest.param(ConfigMapData({"other": "{}"}), "definition.json", None, id="missing-key"),
        pytest.param(ConfigMapData(), "definition.json", None, id="empty"),
    ],
)
def test_configmap_values(configmap: ConfigMapData, key: str, value: str | bytes | None) -> None:
    assert configmap.value(key) == value


def test_configmap_keys_are_listed_once_in_order() -> None:
    assert ConfigMapData({"b": "", "a": ""}, {"a": b"", "c": b""}).keys() == ["a", "b", "c"]

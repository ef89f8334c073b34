"""The replies `smpo render` gives the SDK offline: identity, default-bucket checks, uploads recorded,
anything else refused by name; and through a real botocore client, nothing sent."""

from __future__ import annotations

import io
import os
from typing import Any

import boto3
import pytest
from botocore.exceptions import NoCredentialsError

from sagemaker_pipelines_operator.cli.offline_aws import (
    ROLE_VALIDATION,
    OfflineAws,
    OfflineCallRefused,
    Upload,
    offline,
    role_account,
)

REPLIES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("identity", "sts.GetCallerIdentity", {}, {"Account": "210987654321"}),
    ("bucket-exists", "s3.HeadBucket", {"Bucket": "b"}, {}),
    ("no-bucket-listed", "s3.ListBuckets", {}, {"Buckets": []}),
    ("bucket-created", "s3.CreateBucket", {"Bucket": "b"}, {}),
]


@pytest.mark.parametrize(
    ("operation", "params", "subset"), [r[1:] for r in REPLIES], ids=[r[0] for r in REPLIES]
)
def test_default_bucket_lookups_are_answered(
    operation: str, params: dict[str, Any], subset: dict[str, Any]
) -> None:
    reply = OfflineAws("210987654321").answer(operation, params)
    assert reply is not None and reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert subset.items() <= reply.items()


def test_uploads_are_recorded_not_made_unless_allowed() -> None:
    aws = OfflineAws("1")
    assert aws.answer("s3.PutObject", {"Bucket": "b", "Key": "p/code/ab12/x.py", "Body": io.BytesIO(b"abc")})
    assert aws.uploads == [Upload("s3://b/p/code/ab12/x.py", 3)]
    allowed = OfflineAws("1", allow_uploads=True)
    assert allowed.answer("s3.PutObject", {"Bucket": "b", "Key": "k"}) is None
    assert allowed.uploads == [Upload("s3://b/k", -1)]


def test_other_calls_are_refused_by_name() -> None:
    with pytest.raises(OfflineCallRefused, match=r"the SDK called sagemaker\.DescribeImageVersion, which"):
        OfflineAws("1").answer("sagemaker.DescribeImageVersion", {})


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        ("arn:aws:iam::123456789012:role/SageMaker", "123456789012"),
        ("arn:aws-cn:iam::123456789012:role/x", "123456789012"),
        ("SageMakerRole", None),
    ],
    ids=["aws", "china-partition", "not-an-arn"],
)
def test_account_comes_from_the_role(arn: str, account: str | None) -> None:
    assert role_account(arn) == account


def test_a_real_client_inside_the_block_sends_nothing_and_needs_no_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws = OfflineAws("210987654321")
    with offline(aws):
        session = boto3.session.Session(region_name="us-east-1")
        sts = session.client("sts", endpoint_url="http://127.0.0.1:9")
        assert sts.get_caller_identity()["Account"] == "210987654321"
        s3 = session.client("s3", endpoint_url="http://127.0.0.1:9")
        s3.put_object(Bucket="b", Key="k", Body=b"xy")
    assert aws.calls == ["sts.GetCallerIdentity", "s3.PutObject"]
    assert aws.uploads == [Upload("s3://b/k", 2)]
    outside = boto3.session.Session(region_name="us-east-1").client("sts", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(NoCredentialsError):  # after the block, clients are ordinary again
        outside.get_caller_identity()


@pytest.mark.parametrize(
    ("before", "inside", "after"),
    [(None, "false", None), ("true", "true", "true"), ("false", "false", "false")],
    ids=["unset-is-skipped-then-unset-again", "users-true-is-kept", "users-false-is-kept"],
)
def test_sdk3_role_validation_is_off_only_inside_the_block_unless_the_user_chose(
    monkeypatch: pytest.MonkeyPatch, before: str | None, inside: str, after: str | None
) -> None:
    if before is None:
        monkeypatch.delenv(ROLE_VALIDATION, raising=False)
    else:
        monkeypatch.setenv(ROLE_VALIDATION, before)
    with offline(OfflineAws("1")):
        assert os.environ.get(ROLE_VALIDATION) == inside
    assert os.environ.get(ROLE_VALIDATION) == after

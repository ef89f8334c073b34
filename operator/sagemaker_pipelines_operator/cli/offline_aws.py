"""AWS answered offline while `smpo render` builds a pipeline: the SageMaker SDK's default-bucket
checks, STS identity and S3 uploads get the replies the SDK would have had, without the network.

Every botocore client created in the block gets a `before-call` handler (the hook botocore's own
Stubber uses): it returns the parsed reply, so nothing is signed, sent or needs credentials. An S3
upload is recorded, not made, unless uploads are allowed: then it alone goes to AWS. Any other
call is refused with its name, rather than guessed.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse

_UPLOADS = frozenset(
    {"s3.PutObject", "s3.CreateMultipartUpload", "s3.UploadPart", "s3.CompleteMultipartUpload"}
)
_ROLE_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")


class OfflineCallRefused(Exception):
    """The SDK made an AWS call whose answer cannot be known offline."""


# Replies that do not depend on the request. ListBuckets: the SDK looks for its bucket's creation
# date; none found makes it HeadBucket next.
_STATIC_ANSWERS: dict[str, dict[str, Any]] = {
    "s3.HeadBucket": {},
    "s3.CreateBucket": {},
    "s3.PutBucketPolicy": {},
    "s3.ListBuckets": {"Buckets": []},
    "s3.GetBucketLocation": {"LocationConstraint": None},
    "s3.ListObjectsV2": {"KeyCount": 0, "IsTruncated": False},
}


@dataclass(frozen=True)
class Upload:
    uri: str
    size: int


@dataclass
class OfflineAws:
    """The answers: `account` is the caller's account (the SDK's default bucket name uses it)."""

    account: str
    allow_uploads: bool = False
    uploads: list[Upload] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The parsed reply to `operation` ("s3.HeadBucket"), or None to let a real upload through."""
        self.calls.append(operation)
        metadata = {"ResponseMetadata": {"HTTPStatusCode": 200, "RequestId": "smpo-render-offline"}}
        if operation == "sts.GetCallerIdentity":
            arn = f"arn:aws:iam::{self.account}:user/smpo-render"
            return metadata | {"Account": self.account, "Arn": arn, "UserId": "SMPORENDEROFFLINE"}
        if operation in _STATIC_ANSWERS:
            return metadata | _STATIC_ANSWERS[operation]
        if operation in _UPLOADS:
            if self.allow_uploads:
                if operation != "s3.UploadPart":
                    self.uploads.append(Upload(f"s3://{params.get('Bucket')}/{params.get('Key')}", -1))
                return None
            return self._upload(operation, params, metadata)
        raise OfflineCallRefused(
            f"the SDK called {operation}, which smpo render cannot answer offline "
            "(rerun with --upload and AWS credentials to let it through)"
        )

    def _upload(self, operation: str, params: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
        if operation in ("s3.PutObject", "s3.CreateMultipartUpload"):
            body = params.get("Body", b"")
            content = body.read() if hasattr(body, "read") else body
            size = len(content) if isinstance(content, (bytes, str)) else -1
            self.uploads.append(Upload(f"s3://{params.get('Bucket')}/{params.get('Key')}", size))
        if operation == "s3.CreateMultipartUpload":
            return metadata | {"UploadId": "smpo-render-offline"}
        return metadata | {"ETag": '"0"'}


def role_account(role_arn: str) -> str | None:
    match = _ROLE_ACCOUNT.match(role_arn)
    return match.group(1) if match else None


@contextlib.contextmanager
def offline(aws: OfflineAws) -> Iterator[OfflineAws]:
    """Within the block, every new botocore client is answered by `aws` and makes no request."""
    original = botocore.session.Session.create_client
    muted: dict[str, Any] = {}

    def create_client(session: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        _mute_sdk_telemetry(muted)
        client = original(session, *args, **kwargs)
        service = client.meta.service_model.service_name

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["smpo_render_params"] = dict(params)

        def before_call(model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, Any] | None:
            reply = aws.answer(f"{service}.{model.name}", context.get("smpo_render_params", {}))
            return None if reply is None else (AWSResponse("offline://smpo-render", 200, {}, None), reply)

        client.meta.events.register("before-parameter-build", remember)
        client.meta.events.register_first("before-call", before_call)
        return client

    botocore.session.Session.create_client = create_client
    role_validation_set = ROLE_VALIDATION in os.environ
    os.environ.setdefault(ROLE_VALIDATION, "false")
    try:
        yield aws
    finally:
        botocore.session.Session.create_client = original
        if not role_validation_set:
            os.environ.pop(ROLE_VALIDATION, None)
        for name, function in muted.items():
            setattr(sys.modules[_TELEMETRY], name, function)


_TELEMETRY = "sagemaker.telemetry.telemetry_logging"
# The SDK 3.x checks a trainer's role with IAM SimulatePrincipalPolicy unless this is false; offline
# nobody can answer that, so the render skips it (as `SAGEMAKER_VALIDATE_ROLE=false` does) unless
# the user set it.
ROLE_VALIDATION = "SAGEMAKER_VALIDATE_ROLE"


def _mute_sdk_telemetry(muted: dict[str, Any]) -> None:
    """The SDK reports feature use with a plain HTTPS GET (not botocore) after each job call;
    offline that is a network attempt and a traceback on stderr. Its opt-out lives in the user's
    SDK config, so the sender is replaced for the render. The SDK has loaded it by the time its
    session creates a client; nothing is imported here (a target need not use the SDK)."""
    module = sys.modules.get(_TELEMETRY)
    name = "_send_telemetry_request"
    if module is not None and name not in muted and hasattr(module, name):
        muted[name] = getattr(module, name)
        setattr(module, name, lambda *_, **__: None)

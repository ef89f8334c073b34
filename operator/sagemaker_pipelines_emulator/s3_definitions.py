"""PipelineDefinitionS3Location: the emulator reads the object from S3 as SageMaker does, from the
S3 endpoint named by the standard setting `AWS_ENDPOINT_URL_S3` (e.g. moto's server in tests).
Without that setting it refuses: an emulator must not reach out to real AWS."""

from __future__ import annotations

import os
import threading
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from sagemaker_pipelines_emulator import errors

_lock = threading.Lock()


def _client() -> Any:
    # Built per call: the endpoint and credentials come from the environment, which tests change.
    with _lock:
        session = boto3.session.Session()
        # Without credentials (a bare `smpo emulator`), sign with placeholders: local S3 servers
        # accept any; real S3 would refuse, as it should.
        placeholders = {"aws_access_key_id": "emulator", "aws_secret_access_key": "emulator"}
        credentials = {} if session.get_credentials() else placeholders
        return session.client("s3", region_name=session.region_name or "us-east-1", **credentials)


def read_s3_definition(location: dict[str, Any]) -> str:
    """The definition text at `location` ({Bucket, ObjectKey, VersionId?}); ValidationException
    when it cannot be read, naming the object."""
    if not (os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")):
        raise errors.validation(
            "PipelineDefinitionS3Location is not supported by this emulator without an S3 endpoint "
            "(set AWS_ENDPOINT_URL_S3); send the definition in PipelineDefinition."
        )
    params = {"Bucket": location["Bucket"], "Key": location["ObjectKey"]}
    if location.get("VersionId"):
        params["VersionId"] = location["VersionId"]
    where = f"s3://{params['Bucket']}/{params['Key']}"
    client = _client()
    try:
        body: bytes = client.get_object(**params)["Body"].read()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        raise errors.validation(f"Unable to read the pipeline definition from {where}: {code}") from None
    except BotoCoreError as exc:
        raise errors.validation(f"Unable to read the pipeline definition from {where}: {exc}") from None
    finally:
        client.close()
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.validation(f"The pipeline definition at {where} is not UTF-8 text.") from None

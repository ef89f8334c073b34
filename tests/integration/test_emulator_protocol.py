"""The wire protocol and its failure modes: bad input over raw HTTP, throttling and injected
faults that boto3's own retries must ride out, the admin API, and the AWS CLI as a client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.fixtures.emulator import sagemaker_client_for
from tests.fixtures.pipelines import create, job, token

AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/sagemaker/aws4_request, "
    "SignedHeaders=host, Signature=x"
)


def raw_call(url: str, target: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url + "/", data=body, method="POST")
    request.add_header("Content-Type", "application/x-amz-json-1.1")
    request.add_header("Authorization", AUTH)
    if target is not None:
        request.add_header("X-Amz-Target", target)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


BAD_REQUESTS = [
    (
        "garbage-body",
        "SageMaker.ListPipelines",
        b"\x00\xffnot json",
        "SerializationException",
        "Request body is not valid JSON",
    ),
    (
        "array-body",
        "SageMaker.ListPipelines",
        b"[1, 2]",
        "SerializationException",
        "Request body must be a JSON object",
    ),
    (
        "wrong-type",
        "SageMaker.ListPipelines",
        b'{"MaxResults": "ten"}',
        "SerializationException",
        "Unexpected value for 'maxResults': expected an integer, got string",
    ),
    (
        "nested-wrong-type",
        "SageMaker.StartPipelineExecution",
        b'{"PipelineName": "p", "ClientRequestToken": "' + b"t" * 32 + b'", "PipelineParameters": {"a": 1}}',
        "SerializationException",
        "Unexpected value for 'pipelineParameters': expected a list, got object",
    ),
    (
        "missing-required",
        "SageMaker.DescribePipeline",
        b"{}",
        "ValidationException",
        "1 validation error detected: Value null at 'pipelineName' failed to satisfy constraint: "
        "Member must not be null",
    ),
    (
        "pattern",
        "SageMaker.DescribePipeline",
        b'{"PipelineName": "no spaces allowed"}',
        "ValidationException",
        "1 validation error detected: Value 'no spaces allowed' at 'pipelineName' "
        "failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        "(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:([0-9]{12}|aws):pipeline/.*)?([a-zA-Z0-9](-*[a-zA-Z0-9]){0,255})",
    ),
    (
        "enum",
        "SageMaker.ListPipelines",
        b'{"SortOrder": "Upwards"}',
        "ValidationException",
        "1 validation error detected: Value 'Upwards' at 'sortOrder' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Ascending, Descending]",
    ),
    (
        "max",
        "SageMaker.ListPipelines",
        b'{"MaxResults": 101}',
        "ValidationException",
        "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
    ),
    (
        "two-errors",
        "SageMaker.ListPipelines",
        b'{"MaxResults": 0, "SortBy": "Size"}',
        "ValidationException",
        "2 validation errors detected: Value 'Size' at 'sortBy' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Name, CreationTime]; "
        "Value '0' at 'maxResults' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    ),
    (
        "list-member",
        "SageMaker.AddTags",
        b'{"ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/x", "Tags": [{"Key": "k"}]}',
        "ValidationException",
        "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy "
        "constraint: Member must not be null",
    ),
    ("no-target", None, b"{}", "UnknownOperationException", "Missing X-Amz-Target header"),
    (
        "other-service",
        "AmazonS3.ListBuckets",
        b"{}",
        "UnknownOperationException",
        "Unknown target service in X-Amz-Target 'AmazonS3.ListBuckets'",
    ),
    (
        "unknown-operation",
        "SageMaker.DanceAround",
        b"{}",
        "UnknownOperationException",
        "Unknown operation DanceAround",
    ),
    (
        "not-emulated",
        "SageMaker.CreateTrainingJob",
        b"{}",
        "UnknownOperationException",
        "Operation CreateTrainingJob is not implemented by the SageMaker Pipelines emulator",
    ),
]


@pytest.mark.parametrize(
    ("target", "body", "code", "message"), [b[1:] for b in BAD_REQUESTS], ids=[b[0] for b in BAD_REQUESTS]
)
def test_bad_input_gets_the_right_error_and_the_server_keeps_serving(
    emulator: Any, sagemaker_client: Any, target: str | None, body: bytes, *, code: str, message: str
) -> None:
    status, answer = raw_call(emulator.url, target, body)
    assert status == 400
    assert answer["__type"] == code
    assert answer["Message"].startswith(message)
    assert sagemaker_client.list_pipelines()["PipelineSummaries"] == []


def test_timestamps_are_epoch_seconds_on_the_wire(emulator: Any, sagemaker_client: Any) -> None:
    create(sagemaker_client, "clock", job("A"))
    status, answer = raw_call(emulator.url, "SageMaker.DescribePipeline", b'{"PipelineName": "clock"}')
    assert status == 200
    assert isinstance(answer["CreationTime"], float)
    assert abs(answer["CreationTime"] - time.time()) < 60


def test_regions_are_separate(emulator: Any, sagemaker_client: Any) -> None:
    create(sagemaker_client, "east-only", job("A"))
    west = sagemaker_client_for(emulator.url, region_name="eu-west-1")
    assert west.list_pipelines()["PipelineSummaries"] == []
    arn = create(west, "west", job("A"))
    assert arn == "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/west"
    west.close()


def test_throttling_is_rate_exceeded_and_boto3_retries_recover(emulator: Any) -> None:
    emulator.configure(throttle={"ListPipelines": {"rate": 5, "burst": 2}})
    impatient = sagemaker_client_for(emulator.url, retries={"mode": "standard", "total_max_attempts": 1})
    throttled = 0
    for _ in range(10):
        try:
            impatient.list_pipelines()
        except ClientError as error:
            assert error.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
            throttled += 1
    assert throttled > 0
    patient = sagemaker_client_for(emulator.url, retries={"mode": "standard", "total_max_attempts": 10})
    for _ in range(5):
        assert patient.list_pipelines()["PipelineSummaries"] == []
    errors = emulator.counters()["operations"]["ListPipelines"]["errors"]
    assert errors["ThrottlingException"] >= throttled
    impatient.close()
    patient.close()


@pytest.mark.parametrize("kind", ["http500", "http503", "drop"])
def test_injected_faults_are_retried_by_boto3(emulator: Any, sagemaker_client: Any, kind: str) -> None:
    emulator.configure(faults=[{"operation": "DescribePipeline", "kind": kind, "count": 2}])
    create(sagemaker_client, "faulty", job("A"))
    assert sagemaker_client.describe_pipeline(PipelineName="faulty")["PipelineName"] == "faulty"
    counters = emulator.counters()["operations"]["DescribePipeline"]
    assert counters["calls"] == 3
    assert sum(counters["errors"].values()) == 2


def test_faults_without_retries_surface_to_the_client(emulator: Any) -> None:
    emulator.configure(faults=[{"operation": "*", "kind": "http500", "count": 1}])
    client = sagemaker_client_for(emulator.url, retries={"mode": "standard", "total_max_attempts": 1})
    with pytest.raises(ClientError) as caught:
        client.list_pipelines()
    assert caught.value.response["Error"]["Code"] == "InternalFailure"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    client.list_pipelines()
    client.close()


def _throttled_calls(url: str, calls: int) -> list[bool]:
    client = sagemaker_client_for(url, retries={"mode": "standard", "total_max_attempts": 1})
    outcomes = []
    for _ in range(calls):
        try:
            client.list_pipelines()
            outcomes.append(False)
        except ClientError as error:
            assert error.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
            outcomes.append(True)
    client.close()
    return outcomes


def test_throttle_faults_fire_with_their_probability_and_repeat_under_a_seed(emulator: Any) -> None:
    storm = {"faults": [{"operation": "*", "kind": "throttle", "count": None, "probability": 0.5}]}
    emulator.configure(fault_seed=7, **storm)
    first = _throttled_calls(emulator.url, 40)
    emulator.configure(fault_seed=7)
    second = _throttled_calls(emulator.url, 40)
    assert first == second
    assert 8 <= sum(first) <= 32
    errors = emulator.counters()["operations"]["ListPipelines"]["errors"]
    assert errors == {"ThrottlingException": 2 * sum(first)}


def test_latency_spikes_delay_only_the_calls_they_hit(emulator: Any, sagemaker_client: Any) -> None:
    emulator.configure(faults=[{"operation": "ListPipelines", "kind": "latency", "seconds": 0.4, "count": 1}])
    began = time.monotonic()
    sagemaker_client.list_pipelines()
    spiked = time.monotonic() - began
    began = time.monotonic()
    sagemaker_client.list_pipelines()
    assert spiked >= 0.4 > time.monotonic() - began
    assert [c["status"] for c in emulator.calls("ListPipelines")] == [200, 200]


def test_call_log_names_the_access_key_that_signed_each_call(emulator: Any) -> None:
    for key in ("AKIATENANTA", "AKIATENANTB"):
        session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key="s3cr3t-" + key)
        client = session.client("sagemaker", endpoint_url=emulator.url, region_name="us-east-1")
        client.list_pipelines()
        client.close()
    raw_call(emulator.url, "SageMaker.ListPipelines", b"{}")
    logged = [(c["access_key_id"], c["status"]) for c in emulator.calls("ListPipelines")]
    assert logged == [("AKIATENANTA", 200), ("AKIATENANTB", 200), ("testing", 200)]
    assert "s3cr3t" not in json.dumps(emulator.calls())


def test_latency_is_added_per_operation(emulator: Any, sagemaker_client: Any) -> None:
    emulator.configure(latency_seconds={"ListPipelines": 0.3})
    began = time.monotonic()
    sagemaker_client.list_pipelines()
    assert time.monotonic() - began >= 0.3


def test_admin_api_counts_logs_and_refuses_bad_config(emulator: Any, sagemaker_client: Any) -> None:
    create(sagemaker_client, "counted", job("A"))
    with pytest.raises(ClientError):
        sagemaker_client.describe_pipeline(PipelineName="absent")
    counters = emulator.counters()
    assert counters["operations"]["CreatePipeline"] == {"calls": 1, "errors": {}}
    assert counters["operations"]["DescribePipeline"] == {"calls": 1, "errors": {"ResourceNotFound": 1}}
    calls = emulator.calls("CreatePipeline")
    assert len(calls) == 1
    assert calls[0]["status"] == 200
    assert calls[0]["request"]["PipelineName"] == "counted"
    request = urllib.request.Request(
        emulator.url + "/_emulator/config", data=b'{"step_secs": 1}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert "unknown config fields: step_secs" in json.loads(caught.value.read())["error"]
    emulator.reset()
    assert emulator.counters()["operations"] == {}
    assert emulator.config()["step_seconds"] == 0.05


def test_events_are_written_as_eventbridge_json_lines(
    emulator: Any, sagemaker_client: Any, tmp_path: Path
) -> None:
    sink = tmp_path / "events.jsonl"
    emulator.configure(events_path=str(sink))
    create(sagemaker_client, "evented", job("A"))
    arn = sagemaker_client.start_pipeline_execution(PipelineName="evented", ClientRequestToken=token())[
        "PipelineExecutionArn"
    ]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if sink.exists() and '"currentPipelineExecutionStatus":"Succeeded"' in sink.read_text():
            break
        time.sleep(0.02)
    events = [json.loads(line) for line in sink.read_text().splitlines()]
    execution_events = [e for e in events if e["detail-type"].endswith("Execution Status Change")]
    step_events = [e for e in events if e["detail-type"].endswith("Step Status Change")]
    assert [e["detail"]["currentPipelineExecutionStatus"] for e in execution_events] == [
        "Executing",
        "Succeeded",
    ]
    assert [e["detail"]["currentStepStatus"] for e in step_events] == ["Starting", "Executing", "Succeeded"]
    # The step's metadata as the real event spells it (`processingJob.arn`), the listing's otherwise.
    (listed,) = sagemaker_client.list_pipeline_execution_steps(PipelineExecutionArn=arn)[
        "PipelineExecutionSteps"
    ]
    kind, details = next(iter(listed["Metadata"].items()))
    camel = {
        kind[:1].lower() + kind[1:]: {key[:1].lower() + key[1:]: value for key, value in details.items()}
    }
    assert step_events[-1]["detail"]["metadata"] == camel
    assert all(e["source"] == "aws.sagemaker" and e["resources"][1] == arn for e in events)


def test_the_aws_cli_lists_pipelines(emulator: Any, sagemaker_client: Any, tmp_path: Path) -> None:
    create(sagemaker_client, "cli-visible", job("A"))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    aws = Path(sys.executable).with_name("aws")
    result = subprocess.run(
        [str(aws), "sagemaker", "list-pipelines", "--endpoint-url", emulator.url, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summaries = json.loads(result.stdout)["PipelineSummaries"]
    assert [s["PipelineName"] for s in summaries] == ["cli-visible"]

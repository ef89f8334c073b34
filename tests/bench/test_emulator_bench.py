"""Emulator benchmarks (run by `make bench`): Describe/List calls per second, and how many
pipeline executions it carries at once. The emulator runs as `smpo emulator` in its own process,
as in `smpo dev`; the load comes from an aiohttp client in this process."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from tests.fixtures.pipelines import ROLE, definition, job

pytestmark = pytest.mark.bench

CALLS = 6000
CONCURRENCY = 24
EXECUTIONS = 2000
AUTH = (
    "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/sagemaker/aws4_request, "
    "SignedHeaders=host, Signature=x"
)


@pytest.fixture
def emulator_process() -> Iterator[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sagemaker_pipelines_operator",
            "emulator",
            "--port",
            "0",
            "--step-seconds",
            # Each execution lasts two steps (12 s): long enough for all 2,000 to be started first.
            "6",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split("listening on ", 1)[1].split()[0]
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


class Client:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url

    async def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {
            "X-Amz-Target": f"SageMaker.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": AUTH,
        }
        async with self.session.post(self.url + "/", data=json.dumps(body), headers=headers) as response:
            answer: dict[str, Any] = await response.json(content_type=None)
            if response.status != 200:
                raise AssertionError(f"{operation}: {response.status} {answer}")
            return answer

    async def admin(self, path: str) -> dict[str, Any]:
        async with self.session.get(f"{self.url}/_emulator/{path}") as response:
            answer: dict[str, Any] = await response.json()
            return answer


async def _setup(client: Client) -> str:
    await client.call(
        "CreatePipeline",
        {
            "PipelineName": "bench",
            "RoleArn": ROLE,
            "ClientRequestToken": uuid.uuid4().hex,
            "PipelineDefinition": definition(job("Prepare"), job("Train", "Training", reads="Prepare")),
        },
    )
    started = await client.call(
        "StartPipelineExecution", {"PipelineName": "bench", "ClientRequestToken": uuid.uuid4().hex}
    )
    return str(started["PipelineExecutionArn"])


def _raw_request(host: str, operation: str, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: SageMaker.{operation}\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\nAuthorization: {AUTH}\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def _keep_alive_worker(url: str, requests: list[bytes], count: int) -> None:
    """One connection sending prebuilt requests: a load generator that costs little CPU itself,
    so the figure measures the emulator, not the client."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        for index in range(count):
            writer.write(requests[index % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1]
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            if status != b"200":
                raise AssertionError(f"{status!r} {body!r}")
    finally:
        writer.close()
        await writer.wait_closed()


async def _describe_and_list(url: str) -> float:
    async with aiohttp.ClientSession() as session:
        execution = await _setup(Client(session, url))
    host = url.removeprefix("http://")
    requests = [
        _raw_request(host, "DescribePipeline", {"PipelineName": "bench"}),
        _raw_request(host, "ListPipelines", {"MaxResults": 10}),
        _raw_request(host, "DescribePipelineExecution", {"PipelineExecutionArn": execution}),
        _raw_request(host, "ListPipelineExecutions", {"PipelineName": "bench"}),
        _raw_request(host, "ListPipelineExecutionSteps", {"PipelineExecutionArn": execution}),
    ]
    began = time.perf_counter()
    await asyncio.gather(
        *(_keep_alive_worker(url, requests, CALLS // CONCURRENCY) for _ in range(CONCURRENCY))
    )
    return (CALLS // CONCURRENCY) * CONCURRENCY / (time.perf_counter() - began)


def test_describe_and_list_calls_per_second(emulator_process: str) -> None:
    rate = asyncio.run(_describe_and_list(emulator_process))
    print(f"\nemulator: {rate:,.0f} Describe/List calls per second ({CALLS} calls, {CONCURRENCY} concurrent)")
    assert rate >= 1000


async def _many_executions(url: str) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        client = Client(session, url)
        await _setup(client)
        began = time.perf_counter()
        semaphore = asyncio.Semaphore(64)

        async def start() -> None:
            async with semaphore:
                await client.call(
                    "StartPipelineExecution",
                    {"PipelineName": "bench", "ClientRequestToken": uuid.uuid4().hex},
                )

        await asyncio.gather(*(start() for _ in range(EXECUTIONS)))
        start_seconds = time.perf_counter() - began
        at_peak = await client.admin("counters")
        while True:
            counters = await client.admin("counters")
            if counters["executions"]["active"] == 0:
                break
            await asyncio.sleep(0.2)
        return {
            "start_seconds": start_seconds,
            "at_peak": at_peak,
            "final": counters,
            "total_seconds": time.perf_counter() - began,
        }


def test_two_thousand_concurrent_executions(emulator_process: str) -> None:
    result = asyncio.run(_many_executions(emulator_process))
    peak = result["final"]["executions"]["peak_active"]
    succeeded = result["final"]["executions"]["by_status"].get("Succeeded", 0)
    print(
        f"\nemulator: {peak} executions in flight at once ({EXECUTIONS + 1} started in "
        f"{result['start_seconds']:.1f}s; all done after {result['total_seconds']:.1f}s; "
        f"{result['final']['steps_started']} steps run by one scheduler)"
    )
    assert result["at_peak"]["executions"]["active"] >= EXECUTIONS
    assert peak >= EXECUTIONS
    assert succeeded == EXECUTIONS + 1

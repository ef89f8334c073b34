"""The emulator has one wall clock: what operations stamp (Context.now) and what the engine stamps
as executions and steps move come from the same injected clock."""

from __future__ import annotations

import asyncio
import json

from sagemaker_pipelines_emulator.config import EmulatorConfig
from sagemaker_pipelines_emulator.server import dispatch
from sagemaker_pipelines_emulator.service import Emulator
from tests.fixtures.pipelines import ROLE, job

REGION = "us-east-1"
FROZEN = 1_700_000_000.0


async def test_engine_and_operations_stamp_times_from_the_injected_clock() -> None:
    emulator = Emulator(EmulatorConfig(step_seconds=0.01), asyncio.get_running_loop(), clock=lambda: FROZEN)
    definition = {
        "Version": "2020-12-01",
        "Steps": [job("Prep"), job("Train", "Training", depends_on=["Prep"])],
    }
    dispatch(
        emulator,
        "CreatePipeline",
        REGION,
        {
            "PipelineName": "p",
            "RoleArn": ROLE,
            "PipelineDefinition": json.dumps(definition),
            "ClientRequestToken": "t" * 32,
        },
    )
    arn = dispatch(
        emulator, "StartPipelineExecution", REGION, {"PipelineName": "p", "ClientRequestToken": "s" * 32}
    )["PipelineExecutionArn"]
    for _ in range(200):
        described = dispatch(emulator, "DescribePipelineExecution", REGION, {"PipelineExecutionArn": arn})
        if described["PipelineExecutionStatus"] == "Succeeded":
            break
        await asyncio.sleep(0.01)
    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert (described["CreationTime"], described["LastModifiedTime"]) == (FROZEN, FROZEN)
    steps = dispatch(emulator, "ListPipelineExecutionSteps", REGION, {"PipelineExecutionArn": arn})
    stamps = {(s["StartTime"], s["EndTime"]) for s in steps["PipelineExecutionSteps"]}
    assert stamps == {(FROZEN, FROZEN)}
    emulator.scheduler.clear()

"""The demo loop: apply the examples, show progress live, play the external approver for Callback
steps, print a summary and how to look around."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import boto3
import kubernetes

from sagemaker_pipelines_operator import GROUP, VERSION
from sagemaker_pipelines_operator.controlplane.binaries import find_binary
from sagemaker_pipelines_operator.devstack import data_event
from sagemaker_pipelines_operator.devstack.progress import (
    PipelineRow,
    RunRow,
    change_lines,
    pipeline_row,
    render_table,
    run_row,
    summary,
)

CALLBACK_APPROVAL_SECONDS = 3.0
"""How long the simulated reviewer takes before approving a Callback step."""


@dataclass
class Demo:
    kubeconfig: Path
    namespace: str
    emulator_url: str | None
    out: TextIO = sys.stdout

    def __post_init__(self) -> None:
        config = kubernetes.client.Configuration()
        kubernetes.config.load_kube_config(config_file=str(self.kubeconfig), client_configuration=config)
        api = kubernetes.client.ApiClient(config)
        self.custom = kubernetes.client.CustomObjectsApi(api)
        self.core = kubernetes.client.CoreV1Api(api)
        self._approved: set[str] = set()
        self._waiting_since: dict[str, float] = {}
        self._sagemaker: Any = None

    def apply(self, paths: list[Path]) -> None:
        kubectl = str(find_binary("kubectl"))
        base = [kubectl, "--kubeconfig", str(self.kubeconfig)]
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}
        subprocess.run(
            [*base, "apply", "-f", "-"], input=json.dumps(namespace).encode(), check=True, capture_output=True
        )
        for path in paths:
            result = subprocess.run(
                [*base, "apply", "-n", self.namespace, "-f", str(path)],
                check=False,
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise RuntimeError(f"kubectl apply -f {path} failed: {result.stderr.strip()}")
            self.out.write(result.stdout)

    def data_event_loop(self, moto_url: str, timeout: float = 60.0) -> str:
        """Set up the bucket -> queue -> PipelineTrigger chain, upload a file, and wait for the run
        the trigger creates; returns its name."""
        queue_url = data_event.create_bucket_and_queue(moto_url)
        self.custom.create_namespaced_custom_object(
            GROUP, VERSION, self.namespace, "pipelinetriggers", data_event.trigger_manifest(queue_url)
        )
        uri = data_event.upload_interactions(moto_url)
        self.out.write(f"uploaded {uri}; PipelineTrigger {data_event.TRIGGER} reads {queue_url}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            trigger: Any = self.custom.get_namespaced_custom_object(
                GROUP, VERSION, self.namespace, "pipelinetriggers", data_event.TRIGGER
            )
            status = trigger.get("status") or {}
            if status.get("lastRun"):
                self.out.write(f"{uri} started PipelineRun {status['lastRun']}\n")
                return str(status["lastRun"])
            time.sleep(1.0)
        raise TimeoutError(f"PipelineTrigger {data_event.TRIGGER} started no run within {timeout:.0f}s")

    def snapshot(self) -> tuple[list[PipelineRow], list[RunRow], list[dict[str, Any]]]:
        pipelines = self._list("pipelines")
        runs = self._list("pipelineruns")
        return [pipeline_row(p) for p in pipelines], [run_row(r) for r in runs], runs

    def _list(self, plural: str) -> list[dict[str, Any]]:
        listing: Any = self.custom.list_namespaced_custom_object(GROUP, VERSION, self.namespace, plural)
        items: list[dict[str, Any]] = listing["items"]
        return sorted(items, key=lambda o: o["metadata"]["name"])

    def watch(self, timeout: float, interactive: bool) -> list[RunRow]:
        """Show progress until every run has finished (or `timeout`); returns the final rows."""
        started = time.monotonic()
        seen: dict[str, str] = {}
        tick = 0
        runs: list[RunRow] = []
        while time.monotonic() - started < timeout:
            elapsed = time.monotonic() - started
            pipelines, runs, raw = self.snapshot()
            self._approve_callbacks(raw)
            if interactive:
                self.out.write("\x1b[H\x1b[J" + render_table(pipelines, runs, elapsed, tick) + "\n")
            else:
                lines, seen = change_lines(seen, runs, elapsed)
                self.out.write("".join(line + "\n" for line in lines))
            self.out.flush()
            if runs and all(r.finished for r in runs):
                return runs
            tick += 1
            time.sleep(1.0)
        raise TimeoutError(f"not every run finished within {timeout:.0f}s")

    def _approve_callbacks(self, runs: list[dict[str, Any]]) -> None:
        """Play the external system a Callback step waits for (e.g. a human review queue)."""
        if self.emulator_url is None:
            return
        for run in runs:
            arn = run.get("status", {}).get("executionArn")
            waiting = [
                s
                for s in run.get("status", {}).get("steps", [])
                if s.get("type") == "Callback" and s.get("status") == "Executing"
            ]
            if not arn or not waiting:
                continue
            for step in waiting:
                key = f"{arn}/{step['name']}"
                first = self._waiting_since.setdefault(key, time.monotonic())
                if key in self._approved or time.monotonic() - first < CALLBACK_APPROVAL_SECONDS:
                    continue
                token = self._callback_token(arn, step["name"])
                if token:
                    self.sagemaker.send_pipeline_execution_step_success(
                        CallbackToken=token, OutputParameters=[{"Name": "reviewStatus", "Value": "approved"}]
                    )
                    self._approved.add(key)

    def _callback_token(self, execution_arn: str, step_name: str) -> str | None:
        steps = self.sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=execution_arn)
        for step in steps.get("PipelineExecutionSteps", []):
            if step.get("StepName") == step_name:
                token: str | None = step.get("Metadata", {}).get("Callback", {}).get("CallbackToken")
                return token
        return None

    @property
    def sagemaker(self) -> Any:
        if self._sagemaker is None:
            self._sagemaker = boto3.client(
                "sagemaker",
                endpoint_url=self.emulator_url,
                region_name="us-east-1",
                aws_access_key_id="demo",
                aws_secret_access_key="demo",
            )
        return self._sagemaker

    def report(self) -> tuple[str, bool]:
        pipelines, runs, _ = self.snapshot()
        return summary(pipelines, runs), all(r.as_expected is not False for r in runs)

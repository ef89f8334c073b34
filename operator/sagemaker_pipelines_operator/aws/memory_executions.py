"""`RunExecutions` held in memory, for fast tests of the run path (as httpx's MockTransport serves
httpx): executions per pipeline, idempotency tokens honoured, every call recorded, errors injected
per operation, and the test moves executions along with `settle`."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.errors import ReconcileError, Stalled
from sagemaker_pipelines_operator.reconcile.execution import Execution

ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:pipeline"


@dataclass
class MemoryExecution:
    arn: str
    pipeline: str
    request: dict[str, Any]
    created: datetime
    status: str = "Executing"
    failure_reason: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

    def reported(self) -> Execution:
        """What a listing or a Describe says of it."""
        return Execution(self.arn, self.status, self.created, self.failure_reason)


@dataclass
class InMemoryExecutions:
    pipelines: set[str] = field(default_factory=set)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    executions: dict[str, MemoryExecution] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_next: dict[str, ReconcileError] = field(default_factory=dict)
    """Operation (start, describe, listing, steps, stop, retry) → the error its next call raises."""
    _tokens: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def start(self, request: Mapping[str, Any]) -> str:
        self._called("start", dict(request))
        token = str(request["ClientRequestToken"])
        if token in self._tokens:  # SageMaker replays the first answer to a repeated token
            return self._tokens[token]
        pipeline = str(request["PipelineName"])
        if pipeline not in self.pipelines:
            raise Stalled(c.AWS_REJECTED, f"StartPipelineExecution: pipeline '{pipeline}' does not exist")
        arn = f"{ARN_PREFIX}/{pipeline}/execution/e{next(self._ids)}"
        self.executions[arn] = MemoryExecution(arn, pipeline, dict(request), self.clock())
        self._tokens[token] = arn
        return arn

    def describe(self, arn: str) -> Execution | None:
        self._called("describe", {"arn": arn})
        found = self.executions.get(arn)
        return found.reported() if found is not None else None

    def listing(self, pipeline: str, created_after: datetime | None) -> list[Execution] | None:
        self._called("listing", {"pipeline": pipeline, "created_after": created_after})
        if pipeline not in self.pipelines:
            return None
        found = [e for e in self.executions.values() if e.pipeline == pipeline]
        found = [e for e in found if created_after is None or e.created > created_after]
        return [e.reported() for e in sorted(found, key=lambda e: e.created, reverse=True)]

    def steps(self, arn: str) -> list[dict[str, Any]] | None:
        self._called("steps", {"arn": arn})
        found = self.executions.get(arn)
        return [dict(s) for s in found.steps] if found is not None else None

    def stop(self, arn: str, token: str) -> None:
        self._called("stop", {"arn": arn, "token": token})
        found = self.executions.get(arn)
        if found is None or found.status not in ("Executing", "Stopping"):
            raise Stalled(c.AWS_REJECTED, f"StopPipelineExecution: {arn} is not executing")
        found.status = "Stopping"

    def retry(self, arn: str, token: str, parallelism: dict[str, Any] | None) -> None:
        self._called("retry", {"arn": arn, "token": token, "parallelism": parallelism})
        found = self.executions.get(arn)
        if token in self._tokens:
            return
        if found is None or found.status != "Failed":
            raise Stalled(c.AWS_REJECTED, f"RetryPipelineExecution: {arn} has not failed")
        self._tokens[token] = arn
        found.status, found.failure_reason = "Executing", None

    # --- what a test does to move the world along -------------------------------------------------

    def settle(self, arn: str, status: str, *, failure_reason: str | None = None, steps: Any = None) -> None:
        """The execution reaches `status` (Succeeded, Failed, Stopped, ...), optionally with steps."""
        found = self.executions[arn]
        found.status, found.failure_reason = status, failure_reason
        if steps is not None:
            found.steps = [dict(s) for s in steps]

    def vanish(self, arn: str) -> None:
        del self.executions[arn]

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.calls if name == operation)

    def _called(self, operation: str, params: dict[str, Any]) -> None:
        self.calls.append((operation, params))
        error = self.fail_next.pop(operation, None)
        if error is not None:
            raise error

"""`PipelinesApi` held in memory, for fast tests of the Pipeline path (as `memory_executions` serves
the run path): pipelines by name with their tags and versions, idempotency tokens honoured, every
call recorded, errors injected per operation, and helpers for what others do behind our back."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.aws.pipeline_api import vanished
from sagemaker_pipelines_operator.errors import NotFound, ReconcileError, Transient
from sagemaker_pipelines_operator.reconcile.execution import Execution, execution_from_summary
from sagemaker_pipelines_operator.reconcile.live_pipeline import LivePipeline, live_pipeline

ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:pipeline"
_SETTINGS = ("RoleArn", "PipelineDefinition", "PipelineDisplayName", "PipelineDescription")


@dataclass
class MemoryVersion:
    id: int
    aliases: list[str] = field(default_factory=list)
    display_name: str | None = None
    description: str | None = None


@dataclass
class MemoryPipeline:
    arn: str
    name: str
    settings: dict[str, Any]
    """RoleArn, PipelineDefinition (text), display name, description, ParallelismConfiguration."""
    tags: dict[str, str]
    modified: datetime
    versions: list[MemoryVersion] = field(default_factory=lambda: [MemoryVersion(1)])


@dataclass
class InMemoryPipelines:
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    pipelines: dict[str, MemoryPipeline] = field(default_factory=dict)
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Pipeline name → its ListPipelineExecutions summaries (a test sets them)."""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_next: dict[str, ReconcileError] = field(default_factory=dict)
    """Operation (a method name: describe, create, update, ...) → the error its next call raises."""
    _tokens: dict[str, str] = field(default_factory=dict)
    _ticks: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def describe(self, name: str) -> LivePipeline | None:
        self._called("describe", {"name": name})
        found = self.pipelines.get(name)
        if found is None:
            return None
        description = {"PipelineArn": found.arn, "PipelineName": name, "LastModifiedTime": found.modified}
        return live_pipeline(description | found.settings, found.tags)

    def listed(self, name: str) -> Mapping[str, Any] | None:
        self._called("listed", {"name": name})
        found = self.pipelines.get(name)
        return {"PipelineName": name, "LastModifiedTime": found.modified} if found is not None else None

    def create(self, request: Mapping[str, Any]) -> str:
        self._called("create", dict(request))
        token = str(request["ClientRequestToken"])
        if token in self._tokens:  # SageMaker replays the first answer to a repeated token
            return self._tokens[token]
        name = str(request["PipelineName"])
        if name in self.pipelines:
            raise Transient(c.AWS_UNAVAILABLE, f"CreatePipeline: ResourceInUse: {name} already exists")
        tags = {t["Key"]: t["Value"] for t in request.get("Tags", [])}
        self.pipelines[name] = MemoryPipeline(
            f"{ARN_PREFIX}/{name}", name, _settings(request), tags, self._now()
        )
        self._tokens[token] = self.pipelines[name].arn
        return self.pipelines[name].arn

    def update(self, request: Mapping[str, Any]) -> int | None:
        self._called("update", dict(request))
        found = self._named(str(request["PipelineName"]), "UpdatePipeline")
        found.settings.update(_settings(request))
        found.versions.append(MemoryVersion(found.versions[-1].id + 1))
        found.modified = self._now()
        return found.versions[-1].id

    def add_tags(self, request: Mapping[str, Any]) -> None:
        self._called("add_tags", dict(request))
        found = self._by_arn(str(request["ResourceArn"]), "AddTags")
        found.tags.update({t["Key"]: t["Value"] for t in request["Tags"]})

    def delete_tags(self, request: Mapping[str, Any]) -> None:
        self._called("delete_tags", dict(request))
        found = self._by_arn(str(request["ResourceArn"]), "DeleteTags")
        for key in request["TagKeys"]:
            found.tags.pop(key, None)

    def latest_version_id(self, name: str) -> int | None:
        self._called("latest_version_id", {"name": name})
        return self._named(name, "ListPipelineVersions").versions[-1].id

    def version_aliases(self, name: str) -> dict[int, list[str]]:
        self._called("version_aliases", {"name": name})
        return {v.id: list(v.aliases) for v in self._named(name, "ListPipelineVersions").versions}

    def update_version(self, request: Mapping[str, Any]) -> None:
        self._called("update_version", dict(request))
        found = self._by_arn(str(request["PipelineArn"]), "UpdatePipelineVersion")
        version = next(v for v in found.versions if v.id == request["PipelineVersionId"])
        operations = request.get("PipelineVersionAliasOperations") or {}
        version.aliases = [a for a in version.aliases if a not in operations.get("Remove", [])]
        version.aliases += operations.get("Add", [])
        version.display_name = request.get("PipelineVersionDisplayName", version.display_name)
        version.description = request.get("PipelineVersionDescription", version.description)

    def executions(self, name: str) -> list[Execution]:
        self._called("executions", {"name": name})
        return [execution_from_summary(x) for x in self.runs.get(name, [])] if name in self.pipelines else []

    def stop_execution(self, arn: str, token: str) -> bool:
        self._called("stop_execution", {"arn": arn, "token": token})
        for summary in itertools.chain.from_iterable(self.runs.values()):
            if summary["PipelineExecutionArn"] == arn:
                summary["PipelineExecutionStatus"] = "Stopping"
                return True
        return False

    def delete(self, name: str, token: str) -> None:
        self._called("delete", {"name": name, "token": token})
        self.pipelines.pop(name, None)

    # --- what others do to SageMaker behind the operator's back -----------------------------------

    def seed(self, name: str, tags: Mapping[str, str], definition: str = '{"Version": "2020-12-01"}') -> None:
        """A pipeline someone else created."""
        settings = {"RoleArn": "arn:aws:iam::123456789012:role/Other", "PipelineDefinition": definition}
        self.pipelines[name] = MemoryPipeline(f"{ARN_PREFIX}/{name}", name, settings, dict(tags), self._now())

    def tamper(self, name: str, **settings: Any) -> None:
        """Change a live pipeline's settings (RoleArn=..., PipelineDescription=...)."""
        found = self.pipelines[name]
        found.settings.update(settings)
        found.modified = self._now()

    def remove(self, name: str) -> None:
        del self.pipelines[name]

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.calls if name == operation)

    def _now(self) -> datetime:
        # Every write moves LastModifiedTime, even within one tick of the test's clock.
        return self.clock() + timedelta(microseconds=next(self._ticks))

    def _named(self, name: str, operation: str) -> MemoryPipeline:
        found = self.pipelines.get(name)
        if found is None:
            raise vanished(NotFound(c.AWS_REJECTED, f"{operation}: ResourceNotFound: {name}"))
        return found

    def _by_arn(self, arn: str, operation: str) -> MemoryPipeline:
        return self._named(arn.rsplit("/", 1)[-1], operation)

    def _called(self, operation: str, params: dict[str, Any]) -> None:
        self.calls.append((operation, params))
        error = self.fail_next.pop(operation, None)
        if error is not None:
            raise error


def _settings(request: Mapping[str, Any]) -> dict[str, Any]:
    settings = {key: request[key] for key in _SETTINGS if key in request}
    if "ParallelismConfiguration" in request:
        settings["ParallelismConfiguration"] = dict(request["ParallelismConfiguration"])
    return settings

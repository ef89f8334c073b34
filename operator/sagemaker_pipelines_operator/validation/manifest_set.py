"""ManifestSet: every document of the given sources, our resources parsed and indexed by name.

`kind: List` documents (as `kubectl get -o yaml` writes them) are opened into their items.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sagemaker_pipelines_operator.api.pipeline import Pipeline
from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.api.schedule import PipelineSchedule
from sagemaker_pipelines_operator.api.trigger import PipelineTrigger
from sagemaker_pipelines_operator.validation.definitions import ResolvedDefinition, resolve_definition
from sagemaker_pipelines_operator.validation.documents import Document, Source, parse_documents, value_node
from sagemaker_pipelines_operator.validation.findings import Finding
from sagemaker_pipelines_operator.validation.schema import MODELS, Resource, check_document


@dataclass
class ManifestSet:
    """The documents read, the resources recognised in them and the findings so far."""

    sources: list[str] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    _definitions: dict[int, ResolvedDefinition] = field(default_factory=dict)

    def find(self, kind: str, namespace: str | None, name: str | None) -> Resource | None:
        """The first resource of that kind, namespace and name (None namespaces match each other)."""
        return next((r for r in self.resources if r.key == (kind, namespace, name)), None)

    def of_kind(self, kind: str) -> Iterator[Resource]:
        return (r for r in self.resources if r.kind == kind and r.model is not None)

    def pipelines(self) -> Iterator[tuple[Resource, Pipeline]]:
        for resource in self.of_kind("Pipeline"):
            if isinstance(resource.model, Pipeline):
                yield resource, resource.model

    def runs(self) -> Iterator[tuple[Resource, PipelineRun]]:
        for resource in self.of_kind("PipelineRun"):
            if isinstance(resource.model, PipelineRun):
                yield resource, resource.model

    def schedules(self) -> Iterator[tuple[Resource, PipelineSchedule]]:
        for resource in self.of_kind("PipelineSchedule"):
            if isinstance(resource.model, PipelineSchedule):
                yield resource, resource.model

    def triggers(self) -> Iterator[tuple[Resource, PipelineTrigger]]:
        for resource in self.of_kind("PipelineTrigger"):
            if isinstance(resource.model, PipelineTrigger):
                yield resource, resource.model

    def definition(self, pipeline: Resource) -> ResolvedDefinition:
        """The Pipeline's definition, read and validated once."""
        key = id(pipeline)
        if key not in self._definitions:
            self._definitions[key] = resolve_definition(pipeline, self.find)
        return self._definitions[key]

    @property
    def our_resource_count(self) -> int:
        return sum(1 for r in self.resources if r.kind in MODELS)


def load_manifests(sources: Sequence[Source], default_namespace: str | None = None) -> ManifestSet:
    """Parse every source and check each document against its model (no cross-document checks)."""
    manifests = ManifestSet(sources=[s.label for s in sources])
    for source in sources:
        documents, problems = parse_documents(source)
        manifests.findings.extend(problems)
        for doc in _open_lists(documents):
            manifests.documents.append(doc)
            manifests.findings.extend(doc.notes)
            resource, findings = check_document(doc, default_namespace)
            manifests.findings.extend(findings)
            if resource is not None:
                # Kept even when invalid, so that references to it do not also report "not found".
                manifests.resources.append(resource)
    return manifests


def _open_lists(documents: list[Document]) -> Iterator[Document]:
    for doc in documents:
        data = doc.data
        items = data.get("items") if isinstance(data, dict) else None
        if isinstance(data, dict) and str(data.get("kind", "")).endswith("List") and isinstance(items, list):
            for index, item in enumerate(items):
                node = value_node(doc.node, ("items", index))
                if node is not None:
                    yield Document(doc.source, doc.index, node, item)
        else:
            yield doc

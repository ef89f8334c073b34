"""Where a Pipeline's declared version aliases must sit, and the UpdatePipelineVersion alias writes
that put them there from what SageMaker holds. Pure."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.versions import AppliedVersionAlias, VersionAlias
from sagemaker_pipelines_operator.errors import Stalled


@dataclass(frozen=True)
class AliasWrite:
    """One UpdatePipelineVersion with PipelineVersionAliasOperations."""

    version_id: int
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def request(self, pipeline_arn: str) -> dict[str, object]:
        operations: dict[str, list[str]] = {}
        if self.add:
            operations["Add"] = list(self.add)
        if self.remove:
            operations["Remove"] = list(self.remove)
        return {
            "PipelineArn": pipeline_arn,
            "PipelineVersionId": self.version_id,
            "PipelineVersionAliasOperations": operations,
        }


def desired_aliases(
    declared: Sequence[VersionAlias], applied_version: int | None, known_versions: Collection[int]
) -> dict[str, int]:
    """alias -> version id; an alias without versionId follows the applied definition's version.
    A version SageMaker does not have is the spec's mistake (Stalled)."""
    desired: dict[str, int] = {}
    for alias in declared:
        version = alias.version_id if alias.version_id is not None else applied_version
        if version is None:
            raise Stalled(
                c.INVALID_SPEC,
                f"versionAliases: '{alias.name}' follows the applied version, and this endpoint "
                "reports no pipeline versions",
            )
        if version not in known_versions:
            shown = ", ".join(str(v) for v in sorted(known_versions)) or "none"
            raise Stalled(
                c.INVALID_SPEC,
                f"versionAliases: '{alias.name}' names version {version}, which this SageMaker "
                f"pipeline does not have (versions: {shown})",
            )
        desired[alias.name] = version
    return desired


def plan_alias_writes(
    desired: Mapping[str, int], live: Mapping[int, Sequence[str]], managed: Collection[str]
) -> list[AliasWrite]:
    """Removals first (SageMaker refuses an alias another version still holds), then additions.
    Removed: a desired alias sitting on another version, and an alias this Pipeline applied before
    (`managed`) that it no longer declares. Aliases set by others and not declared are left alone."""
    removals: list[AliasWrite] = []
    for version_id in sorted(live):
        remove = tuple(
            alias
            for alias in live[version_id]
            if desired.get(alias, version_id) != version_id or (alias in managed and alias not in desired)
        )
        if remove:
            removals.append(AliasWrite(version_id, remove=remove))
    additions: dict[int, list[str]] = {}
    for alias, version_id in sorted(desired.items()):
        if alias not in live.get(version_id, ()):
            additions.setdefault(version_id, []).append(alias)
    return removals + [AliasWrite(v, add=tuple(names)) for v, names in sorted(additions.items())]


def applied_aliases(desired: Mapping[str, int]) -> list[AppliedVersionAlias]:
    return [AppliedVersionAlias(name=name, version_id=v) for name, v in sorted(desired.items())]

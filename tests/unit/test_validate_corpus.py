"""`smpo validate` over the manifest corpus in tests/data/manifests: every good file passes, every
bad file yields exactly the errors its `# expect: LINE: message` lines state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.validation import (
    Severity,
    Source,
    load_manifests,
    read_sources,
    validate_manifests,
)

CORPUS = Path(__file__).parents[1] / "data" / "manifests"
EXPECT = re.compile(r"^# expect: (\d+): (.+)$")


def _files(kind: str) -> list[Path]:
    return sorted(p for p in (CORPUS / kind).iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def _expectations(path: Path) -> list[tuple[int, str]]:
    """`# expect:` lines at the top of the file, or in `<file>.expect` for JSON (no comments)."""
    sidecar = path.with_name(path.name + ".expect")
    text = sidecar.read_text() if sidecar.exists() else path.read_text()
    found = [EXPECT.match(line) for line in text.splitlines()]
    return [(int(m.group(1)), m.group(2)) for m in found if m]


def _validate(path: Path) -> list[tuple[int, str, Severity]]:
    manifests = load_manifests(read_sources([str(path)]))
    return [(f.line, str(f), f.severity) for f in validate_manifests(manifests)]


def test_corpus_is_large_enough() -> None:
    assert len(_files("good")) + len(_files("bad")) >= 30
    assert all(_expectations(p) for p in _files("bad")), "every bad manifest states what it expects"


@pytest.mark.parametrize("path", _files("good"), ids=lambda p: p.name)
def test_good_manifest_is_valid(path: Path) -> None:
    findings = _validate(path)
    problems = [text for _, text, severity in findings if severity != Severity.NOTICE]
    assert problems == []


@pytest.mark.parametrize("path", _files("bad"), ids=lambda p: p.name)
def test_bad_manifest_reports_expected_error_on_its_line(path: Path) -> None:
    errors = [(line, text) for line, text, severity in _validate(path) if severity == Severity.ERROR]
    expected = _expectations(path)
    unmatched = list(errors)
    for line, message in expected:
        hit = next((e for e in unmatched if e[0] == line and message in e[1]), None)
        assert hit is not None, f"expected line {line}: {message!r}; got {errors}"
        unmatched.remove(hit)
    assert unmatched == [], f"unexpected errors: {unmatched}"


def test_whole_good_corpus_validates_together() -> None:
    """The good files as one tree (like a repository directory) stay valid: no cross-file clashes."""
    manifests = load_manifests(read_sources([str(CORPUS / "good")]))
    assert manifests.our_resource_count >= 15
    errors = [str(f) for f in validate_manifests(manifests) if f.severity == Severity.ERROR]
    assert errors == []


def test_definition_in_configmap_is_checked_only_when_the_configmap_is_given() -> None:
    """A Pipeline without its ConfigMap is only warned about; with it, the bad step is an error."""
    bad = (CORPUS / "bad" / "configmap-bad-definition.yaml").read_text()
    pipeline_only = bad.split("---\n", 1)[1]
    findings = validate_manifests(load_manifests([Source("pipeline.yaml", pipeline_only)]))
    assert [(f.severity, f.line) for f in findings] == [(Severity.WARNING, 8)]
    assert "ConfigMap 'fraud-definition' is not among these manifests" in findings[0].message

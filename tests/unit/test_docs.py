"""The guides in docs/ keep up with the code: every metric and alert is documented, every operator
flag the guides mention exists, and every relative link (and its #anchor) resolves."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.metrics import REGISTRY
from sagemaker_pipelines_operator.observability.alerts import RULES
from sagemaker_pipelines_operator.settings import add_arguments

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDES = sorted(DOCS.glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


_SUFFIX = {"counter": "_total", "info": "_info"}


def _smpo_metric_names() -> list[str]:
    # prometheus_client names families without the suffix the exposition format adds.
    return sorted(m.name + _SUFFIX.get(m.type, "") for m in REGISTRY.collect() if m.name.startswith("smpo_"))


@pytest.mark.parametrize("name", _smpo_metric_names())
def test_every_metric_is_documented(name: str) -> None:
    assert f"`{name}`" in (DOCS / "metrics.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("alert", [r.name for r in RULES])
def test_every_alert_is_in_metrics_md_with_its_runbook(alert: str) -> None:
    rule = next(r for r in RULES if r.name == alert)
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    assert f"`{alert}`" in text
    assert f"runbooks.md#{rule.runbook}" in text


def _run_flags() -> set[str]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return {flag for action in parser._actions for flag in action.option_strings}


@pytest.mark.parametrize("guide", ["getting-started-eks.md", "operations.md", "security.md", "metrics.md"])
def test_operator_flags_named_in_guides_exist(guide: str) -> None:
    text = (DOCS / guide).read_text(encoding="utf-8")
    named = set(re.findall(r"`(--[a-z][a-z-]+)", text))
    # Flags of other commands the guides quote (kubectl, helm, aws).
    others = {"--force-conflicts", "--server-side", "--skip-crds", "--field-selector", "--for", "--timeout"}
    unknown = named - _run_flags() - others
    assert not unknown, f"{guide} names flags `smpo run` does not have: {sorted(unknown)}"


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors of a Markdown text."""
    headings = re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M)
    return {re.sub(r"[^a-z0-9 _-]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _prose(markdown: str) -> str:
    """The text outside code blocks and code spans, where links are links."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", markdown, flags=re.S))


def _links() -> list[tuple[str, str]]:
    return [(g.name, t) for g in GUIDES for t in LINK.findall(_prose(g.read_text(encoding="utf-8")))]


@pytest.mark.parametrize(("guide", "target"), [link for link in _links() if "://" not in link[1]])
def test_relative_links_resolve(guide: str, target: str) -> None:
    path, _, anchor = target.partition("#")
    resolved = (DOCS / path).resolve() if path else DOCS / guide
    assert resolved.exists(), f"{guide}: {target} does not exist"
    if anchor:
        assert resolved.suffix == ".md", f"{guide}: anchor on a non-Markdown target {target}"
        assert anchor in _anchors(resolved.read_text(encoding="utf-8")), f"{guide}: no #{anchor} in {path}"

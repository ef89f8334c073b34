"""Scenario outcomes for people and for CI: a text report, JUnit XML and GitHub annotations."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from sagemaker_pipelines_operator.scenarios.suite import ScenarioOutcome


def problems(outcome: ScenarioOutcome) -> list[str]:
    return [outcome.error] if outcome.error is not None else [m.message for m in outcome.mismatches]


def summary(outcomes: Sequence[ScenarioOutcome]) -> str:
    failed = sum(1 for o in outcomes if not o.passed)
    seconds = sum(o.seconds for o in outcomes)
    verdict = "FAILED" if failed else "OK"
    passed = len(outcomes) - failed
    return f"{verdict}: {len(outcomes)} scenario(s), {passed} passed, {failed} failed ({seconds:.2f}s)"


def render_text(outcomes: Sequence[ScenarioOutcome]) -> str:
    lines: list[str] = []
    for file, group in groupby(outcomes, key=lambda o: o.file):
        lines.append(file)
        for outcome in group:
            mark = "PASS" if outcome.passed else ("ERROR" if outcome.error else "FAIL")
            lines.append(f"  {mark:5} {outcome.name}  ({outcome.seconds * 1000:.0f} ms)")
            lines.extend(f"        {problem}" for problem in problems(outcome))
    lines.append(summary(outcomes))
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(outcomes: Sequence[ScenarioOutcome]) -> str:
    """Workflow commands: one error annotation per failed scenario, on its line in the file."""
    lines = []
    for outcome in outcomes:
        if outcome.passed:
            continue
        title = _escape_property(f"smpo test: {outcome.name}")
        where = f"file={_escape_property(outcome.file)},line={outcome.line},title={title}"
        lines.append(f"::error {where}::{_escape_data(chr(10).join(problems(outcome)))}")
    lines.append(summary(outcomes))
    return "\n".join(lines) + "\n"


def junit_xml(outcomes: Sequence[ScenarioOutcome]) -> str:
    """One testsuite per scenario file, one testcase per scenario (failure: mismatch, error: unusable)."""
    root = ET.Element("testsuites", name="smpo test")
    for file, group in groupby(outcomes, key=lambda o: o.file):
        cases = list(group)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=file,
            tests=str(len(cases)),
            failures=str(sum(1 for c in cases if c.mismatches and c.error is None)),
            errors=str(sum(1 for c in cases if c.error is not None)),
            time=f"{sum(c.seconds for c in cases):.3f}",
        )
        for case in cases:
            element = ET.SubElement(
                suite, "testcase", classname=file, name=case.name, time=f"{case.seconds:.3f}", file=file
            )
            if not case.passed:
                kind = "error" if case.error is not None else "failure"
                text = "\n".join(problems(case))
                ET.SubElement(element, kind, message=problems(case)[0]).text = text
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

"""`smpo test`'s pure parts: the expected-vs-observed comparison, the scenario model, the reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from pydantic import ValidationError

from sagemaker_pipelines_operator.scenarios.compare import Observed, StepResult, compare
from sagemaker_pipelines_operator.scenarios.execution import scenario_rules
from sagemaker_pipelines_operator.scenarios.model import Expectation, Scenario, ScenarioFile
from sagemaker_pipelines_operator.scenarios.report import junit_xml, render_github, render_text
from sagemaker_pipelines_operator.scenarios.suite import ScenarioOutcome

FAILED_GATE = Observed(
    phase="Failed",
    failure_reason="Model AUC is below the threshold 0.9",
    steps={
        "Train": StepResult("Succeeded", attempts=2),
        "Gate": StepResult("Succeeded"),
        "TooLow": StepResult("Failed", failure_reason="Model AUC is below the threshold 0.9"),
    },
    branches={"Gate": False},
    not_run={"Register": "skipped", "Deploy": "blocked"},
)
CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("everything-holds", {"phase": "Failed", "ran": ["TooLow"], "notRun": ["Register"]}, []),
    ("nothing-expected", {}, []),
    (
        "wrong-phase",
        {"phase": "Succeeded"},
        ["phase: expected Succeeded, got Failed (Model AUC is below the threshold 0.9)"],
    ),
    (
        "step-on-the-branch-not-taken",
        {"ran": ["Register"]},
        [
            "step 'Register' should have run, but it did not run "
            "(it is on a Condition branch that was not taken)"
        ],
    ),
    (
        "step-after-a-failure",
        {"ran": ["Deploy"]},
        ["step 'Deploy' should have run, but it did not run (a step it depends on failed or stopped)"],
    ),
    (
        "step-that-should-not-run",
        {"notRun": ["TooLow"]},
        ["step 'TooLow' should not have run, but it ran (Failed: Model AUC is below the threshold 0.9)"],
    ),
    (
        "wrong-branch",
        {"branches": {"Gate": True}},
        ["condition 'Gate': expected true (IfSteps), got false (ElseSteps)"],
    ),
    (
        "condition-never-evaluated",
        {"branches": {"Other": False}},
        ["condition 'Other': expected false (ElseSteps), but it was not evaluated"],
    ),
    ("attempts-hold", {"attempts": {"Train": 2}}, []),
    (
        "attempts-differ",
        {"attempts": {"Train": 1, "Register": 1}},
        [
            "step 'Train': expected 1 attempt(s), got 2",
            "step 'Register': expected 1 attempt(s), got 0",
        ],
    ),
    ("message-substring", {"failureMessage": "below the threshold"}, []),
    (
        "message-differs",
        {"failureMessage": "AUC too low"},
        ["failure message: expected it to contain 'AUC too low', got 'Model AUC is below the threshold 0.9'"],
    ),
]


@pytest.mark.parametrize(("expect", "messages"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_compare_names_each_broken_expectation(expect: dict[str, Any], messages: list[str]) -> None:
    mismatches = compare(Expectation.model_validate(expect), FAILED_GATE)
    assert [m.message for m in mismatches] == messages


def test_a_wrong_phase_shows_why_each_step_failed() -> None:
    observed = Observed(
        "Failed",
        "Step failure: One or multiple steps failed.",
        {
            "Evaluate": StepResult("Succeeded"),
            "Gate": StepResult("Failed", failure_reason="no value at path 'x'"),
        },
    )
    assert [m.message for m in compare(Expectation(phase="Succeeded"), observed)] == [
        "phase: expected Succeeded, got Failed (Step failure: One or multiple steps failed.)",
        "  step 'Gate' failed: no value at path 'x'",
    ]


def test_no_failure_reason_is_said_plainly() -> None:
    mismatches = compare(Expectation(failure_message="x"), Observed("Succeeded"))
    assert mismatches[0].message == "failure message: expected it to contain 'x', got no failure reason"


BAD_FILES: list[tuple[str, dict[str, Any], str]] = [
    ("no-scenarios", {"pipeline": "p", "scenarios": []}, "should have at least 1 item"),
    (
        "unknown-field",
        {"pipeline": "p", "scenarios": [{"name": "a", "expect": {}, "step": {}}]},
        "Extra inputs",
    ),
    (
        "bad-phase",
        {"pipeline": "p", "scenarios": [{"name": "a", "expect": {"phase": "Done"}}]},
        "'Succeeded'",
    ),
    (
        "ran-and-not-run",
        {"pipeline": "p", "scenarios": [{"name": "a", "expect": {"ran": ["A"], "notRun": ["A"]}}]},
        "steps both in ran and notRun: A",
    ),
    (
        "duplicate-names",
        {"pipeline": "p", "scenarios": [{"name": "a", "expect": {}}, {"name": "a", "expect": {}}]},
        "scenario names must be unique in a file: a",
    ),
]


@pytest.mark.parametrize(("raw", "message"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_bad_scenario_files_are_refused(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ScenarioFile.model_validate(raw)


def test_scenario_becomes_rules_that_keep_every_step_quick() -> None:
    scenario = Scenario.model_validate(
        {
            "name": "s",
            "steps": {"Train": {"fail": 1, "seconds": 3600}},
            "callbacks": {"Approve": {"outputs": {"ok": True}}},
            "expect": {},
        }
    )
    rules = scenario_rules("fraud", scenario)
    assert [rule["step"] for rule in rules] == ["*", "Train", "Approve"]
    assert "seconds" not in rules[1] and rules[1]["fail"] == 1
    assert rules[2]["callback"] == {"outputs": {"ok": True}}


OUTCOMES = [
    ScenarioOutcome("a.test.yaml", 3, "passes", 0.01),
    ScenarioOutcome(
        "a.test.yaml", 9, "gate: wrong", 0.02, compare(Expectation(phase="Succeeded"), FAILED_GATE)
    ),
    ScenarioOutcome("b.test.yaml", 1, "b.test.yaml", error="no Pipeline named 'x'"),
]


def test_text_report_lists_each_scenario_and_why() -> None:
    text = render_text(OUTCOMES)
    assert "  PASS  passes  (10 ms)" in text
    assert "  FAIL  gate: wrong  (20 ms)\n        phase: expected Succeeded, got Failed" in text
    assert "  ERROR b.test.yaml  (0 ms)\n        no Pipeline named 'x'" in text
    assert text.endswith("FAILED: 3 scenario(s), 1 passed, 2 failed (0.03s)\n")


def test_github_annotations_sit_on_the_scenario_line() -> None:
    lines = render_github(OUTCOMES).splitlines()
    assert lines[0].startswith(
        "::error file=a.test.yaml,line=9,title=smpo test%3A gate%3A wrong::phase: expected"
    )
    assert lines[1] == "::error file=b.test.yaml,line=1,title=smpo test%3A b.test.yaml::no Pipeline named 'x'"


def test_junit_counts_failures_and_errors() -> None:
    root = ET.fromstring(junit_xml(OUTCOMES))
    suites = {suite.get("name"): suite for suite in root}
    assert (suites["a.test.yaml"].get("tests"), suites["a.test.yaml"].get("failures")) == ("2", "1")
    assert suites["b.test.yaml"].get("errors") == "1"
    failure = suites["a.test.yaml"].find("testcase[@name='gate: wrong']/failure")
    assert failure is not None and failure.get("message", "").startswith("phase: expected Succeeded")

"""Outcome rules by pipeline and step name: matching, merging, validation messages, JsonGet paths;
cache expiry durations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sagemaker_pipelines_emulator.caching import expire_seconds
from sagemaker_pipelines_emulator.evaluation import EvaluationError, json_path_value
from sagemaker_pipelines_emulator.outcome_rules import (
    OutcomeRulesError,
    load_rules_file,
    outcome_for,
    parse_rules,
)

RULES = parse_rules(
    [
        {"step": "Evaluate", "outputs": {"a": 1}, "seconds": 3},
        {"pipeline": "Fraud-*", "step": "Evaluate", "outputs": {"b": 2}, "fail": 1},
        {"pipeline": "other", "step": "Train", "fail": True},
    ]
)
MATCHES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("wildcard-pipeline", "churn", "Evaluate", {"outputs": {"a": 1}, "seconds": 3.0}),
    (
        "later-rule-wins-outputs-merged",
        "fraud-detection",
        "Evaluate",
        {"outputs": {"a": 1, "b": 2}, "seconds": 3.0, "fail": 1},
    ),
    ("step-names-are-case-sensitive", "churn", "evaluate", None),
    ("pipeline-names-are-not", "OTHER", "Train", {"fail": True}),
    ("no-rule", "churn", "Train", None),
]


@pytest.mark.parametrize(
    ("pipeline", "step", "expected"), [m[1:] for m in MATCHES], ids=[m[0] for m in MATCHES]
)
def test_outcome_for_merges_matching_rules(pipeline: str, step: str, expected: dict[str, Any] | None) -> None:
    outcome = outcome_for(RULES, pipeline, step)
    assert (outcome.model_dump(exclude_unset=True) if outcome else None) == expected


BAD = [
    ("not-a-list", {"step": "A"}, "outcomes must be a list of rules, got dict"),
    ("no-step", [{"outputs": {}}], "outcomes[0].step: Field required"),
    (
        "typo",
        [{"step": "A"}, {"step": "B", "output": {}}],
        "outcomes[1].output: Extra inputs are not permitted",
    ),
    (
        "zero-attempts",
        [{"step": "A", "fail": 0}],
        "outcomes[0]: Value error, fail must be true, false or a number of attempts >= 1, got 0",
    ),
    (
        "two-answers",
        [{"step": "A", "callback": {"outputs": {"x": "y"}, "failureReason": "no"}}],
        "outcomes[0].callback: Value error, a callback answer has either outputs (success) or "
        "failureReason, not both",
    ),
    (
        "negative-seconds",
        [{"step": "A", "seconds": -1}],
        "outcomes[0].seconds: Input should be greater than or equal to 0",
    ),
]


@pytest.mark.parametrize(("raw", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_rules_are_refused_naming_the_rule_and_field(raw: object, message: str) -> None:
    with pytest.raises(OutcomeRulesError) as caught:
        parse_rules(raw, "outcomes")
    assert str(caught.value) == message


def test_side_file_must_hold_rules(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("- step: A\n")
    with pytest.raises(OutcomeRulesError, match="expected a mapping with one key, 'rules'"):
        load_rules_file(path)
    path.write_text("rules:\n  - {step: A, fail: true}\n")
    assert load_rules_file(path)[0].failed_attempts() == -1


DOCUMENT = {"metrics": {"auc": {"value": 0.91}, "scores": [0.2, {"k-1": "x"}]}, "ok": True}
PATHS = [
    ("dotted", "metrics.auc.value", 0.91),
    ("dollar-root", "$.metrics.auc.value", 0.91),
    ("index", "metrics.scores[0]", 0.2),
    ("quoted-key", "metrics.scores[1]['k-1']", "x"),
    ("boolean", "ok", True),
]


@pytest.mark.parametrize(("path", "expected"), [p[1:] for p in PATHS], ids=[p[0] for p in PATHS])
def test_json_get_paths_read_the_property_file(path: str, expected: object) -> None:
    assert json_path_value(DOCUMENT, path, "the file") == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("metrics.f1", "Std:JsonGet: no value at path 'metrics.f1' in the file"),
        ("metrics.scores[5]", "Std:JsonGet: no value at path 'metrics.scores[5]' in the file"),
        ("metrics.auc", "Std:JsonGet: path 'metrics.auc' in the file is not a number, string or boolean"),
    ],
    ids=["missing-key", "index-out-of-range", "not-a-leaf"],
)
def test_json_get_paths_that_do_not_resolve_say_so(path: str, message: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        json_path_value(DOCUMENT, path, "the file")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("P30D", 30 * 86400.0),
        ("PT1H30M", 5400.0),
        ("P1W", 7 * 86400.0),
        ("P1Y2M", (365 + 60) * 86400.0),
        ("PT0.5S", 0.5),
        ("PT0S", 0.0),
        ("P", None),
        ("30 days", None),
        (None, None),
    ],
    ids=["days", "hours-minutes", "week", "years-months", "fraction", "zero", "empty", "prose", "absent"],
)
def test_cache_expiry_is_an_iso_8601_duration(text: object, seconds: float | None) -> None:
    assert expire_seconds(text) == seconds

"""The emulator's pure parts: Java patterns, directives and failure rules, paging, configuration."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sagemaker_pipelines_emulator.config import EmulatorConfig, apply_update
from sagemaker_pipelines_emulator.directives import DirectiveError, Directives, parse_directives
from sagemaker_pipelines_emulator.errors import ApiError
from sagemaker_pipelines_emulator.outcomes import failure_reason, step_duration
from sagemaker_pipelines_emulator.pagination import page
from sagemaker_pipelines_emulator.patterns import matches, translate
from sagemaker_pipelines_emulator.plan import StepSpec

TAG_PATTERN = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
PATTERNS = [
    ("tag-ascii", TAG_PATTERN, "team:ml/owner=a+b@c", True),
    ("tag-unicode-letters-and-space", TAG_PATTERN, "équipe données 2", True),
    ("tag-rejects-symbols", TAG_PATTERN, "cost$center", False),
    ("whole-value-only", r"[a-z]+", "abc1", False),
    ("pipeline-name", r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}", "churn--model-2", True),
    ("pipeline-name-trailing-dash", r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}", "churn-", False),
]


@pytest.mark.parametrize(
    ("pattern", "value", "expected"), [p[1:] for p in PATTERNS], ids=[p[0] for p in PATTERNS]
)
def test_java_patterns_match_whole_values(pattern: str, value: str, expected: bool) -> None:
    assert matches(pattern, value) is expected


def test_translation_leaves_plain_patterns_alone() -> None:
    assert translate(r"[a-z]{1,3}\p") == r"[a-z]{1,3}\p"
    assert translate(r"[\p{N}]") == r"(?:\d)"


DIRECTIVES = [
    ("none", "Trains the model.", Directives()),
    ("fail-always", "Flaky upload. emulator:fail", Directives(fail_attempts=-1)),
    ("fail-twice", "emulator:fail=2", Directives(fail_attempts=2)),
    ("seconds", "emulator:seconds=2.5", Directives(seconds=2.5)),
    (
        "outputs",
        "emulator:out.metrics.auc.value=0.91 emulator:out.FinalMetricDataList['val:f1'].Value=$F1",
        Directives(outputs=(("metrics.auc.value", "0.91"), ("FinalMetricDataList['val:f1'].Value", "$F1"))),
    ),
]


@pytest.mark.parametrize(
    ("description", "expected"), [d[1:] for d in DIRECTIVES], ids=[d[0] for d in DIRECTIVES]
)
def test_parse_directives(description: str, expected: Directives) -> None:
    assert parse_directives(description) == expected


@pytest.mark.parametrize("description", ["emulator:fail=often", "emulator:seconds=", "emulator:out.x"])
def test_unreadable_directives_are_refused(description: str) -> None:
    with pytest.raises(DirectiveError, match="cannot read directive"):
        parse_directives(description)


def spec(name: str, step_type: str = "Processing", description: str = "") -> StepSpec:
    return StepSpec(name, step_type, {"Name": name}, parse_directives(description))


def execution(**parameters: str) -> Any:
    return SimpleNamespace(parameters=parameters)


RULES = [
    ("no-rule", spec("Train"), execution(), 1, None),
    (
        "directive-first-attempt",
        spec("Train", description="emulator:fail=1"),
        execution(),
        1,
        "has 'emulator:fail'",
    ),
    ("directive-second-attempt-passes", spec("Train", description="emulator:fail=1"), execution(), 2, None),
    (
        "parameter-lists-step",
        spec("Train"),
        execution(EmulatorFailSteps="Prep, Train"),
        1,
        "EmulatorFailSteps",
    ),
    ("parameter-other-step", spec("Train"), execution(EmulatorFailSteps="Prep"), 1, None),
    ("parameter-limited", spec("Train"), execution(EmulatorFailSteps="Train:1"), 2, None),
    ("parameter-wildcard", spec("Train"), execution(EmulatorFailSteps="*"), 3, "EmulatorFailSteps"),
    ("name-pattern", spec("always-fail-export"), execution(), 5, "matches fail_step_pattern"),
]


@pytest.mark.parametrize(
    ("step", "running", "attempt", "reason"), [r[1:] for r in RULES], ids=[r[0] for r in RULES]
)
def test_failure_rules(step: StepSpec, running: Any, attempt: int, reason: str | None) -> None:
    found = failure_reason(step, running, attempt, EmulatorConfig())
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found


def test_step_duration_prefers_directive_then_type_then_quick_steps() -> None:
    config = EmulatorConfig(step_seconds=2.0, step_seconds_by_type={"Training": 5.0})
    assert step_duration(spec("A", description="emulator:seconds=0.5"), config) == 0.5
    assert step_duration(spec("A", "Training"), config) == 5.0
    assert step_duration(spec("A", "Condition"), config) == pytest.approx(0.2)
    assert step_duration(spec("A"), config) == 2.0


def test_pages_follow_tokens_to_the_end() -> None:
    items = list(range(23))
    params: dict[str, Any] = {"PipelineName": "p", "MaxResults": 10}
    seen: list[int] = []
    while True:
        chunk, token = page(items, params, 10)
        seen.extend(chunk)
        if token is None:
            break
        params["NextToken"] = token
    assert seen == items


@pytest.mark.parametrize(
    ("token", "message"),
    [("not-base64!", "not issued by this service"), ("eyJvIjogMSwgInEiOiAiYWJjIn0=", "different request")],
    ids=["garbage", "other-query"],
)
def test_foreign_tokens_are_refused(token: str, message: str) -> None:
    with pytest.raises(ApiError, match=message):
        page([1, 2, 3], {"NextToken": token}, 1)


CONFIG_ERRORS = [
    ("unknown-field", {"step_secs": 1}, "unknown config fields: step_secs"),
    ("negative-seconds", {"step_seconds": -1}, "step_seconds: Input should be greater than or equal to 0"),
    ("bool-as-seconds", {"step_seconds": True}, "step_seconds: Input should be a valid number"),
    ("negative-type-seconds", {"step_seconds_by_type": {"Training": -2}}, "seconds must be >= 0 (Training)"),
    (
        "bad-fault-kind",
        {"faults": [{"kind": "explode"}]},
        "faults.0.kind: Input should be 'http500', 'http503'",
    ),
    (
        "probability-above-one",
        {"faults": [{"kind": "throttle", "probability": 1.5}]},
        "faults.0.probability: Input should be less than or equal to 1",
    ),
    (
        "negative-spike",
        {"faults": [{"kind": "latency", "seconds": -1}]},
        "faults.0.seconds: Input should be greater than or equal to 0",
    ),
    (
        "unknown-fault-field",
        {"faults": [{"kinds": "drop"}]},
        "faults.0.kinds: Extra inputs are not permitted",
    ),
    (
        "bad-throttle",
        {"throttle": {"ListPipelines": 5}},
        "throttle.ListPipelines: Input should be a valid dict",
    ),
    (
        "bad-pattern",
        {"fail_step_pattern": "("},
        "fail_step_pattern: Value error, not a regular expression: missing )",
    ),
]


@pytest.mark.parametrize(
    ("update", "message"), [c[1:] for c in CONFIG_ERRORS], ids=[c[0] for c in CONFIG_ERRORS]
)
def test_config_updates_are_checked(update: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_update(EmulatorConfig(), update)


def test_config_update_merges_and_parses() -> None:
    config = apply_update(
        EmulatorConfig(),
        {
            "throttle": {"*": {"rate": 2}},
            "faults": [{"operation": "ListTags", "kind": "drop", "count": None}],
        },
    )
    assert config.throttle["*"].rate == 2.0 and config.throttle["*"].burst == 2.0
    assert config.faults[0].count is None
    assert config.step_seconds == 1.0

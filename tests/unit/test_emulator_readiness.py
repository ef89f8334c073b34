"""readiness: when a pending step starts, is skipped or is blocked, given its upstream steps' ends and
its DependsOn triggers (plain names are Completed; SDK 3.x run conditions Failed, Stopped, Any)."""

from __future__ import annotations

import pytest

from sagemaker_pipelines_emulator.readiness import handles_failure, readiness

CASES = [
    ("plain-upstream-succeeded", {"A": "succeeded"}, {}, "run"),
    ("plain-upstream-running", {"A": "running"}, {}, "wait"),
    ("plain-upstream-failed", {"A": "failed"}, {}, "block"),
    ("plain-upstream-blocked", {"A": "blocked"}, {}, "block"),
    ("plain-upstream-skipped", {"A": "skipped"}, {}, "skip"),
    ("on-failure-upstream-failed", {"A": "failed"}, {"A": "Failed"}, "run"),
    ("on-failure-upstream-succeeded", {"A": "succeeded"}, {"A": "Failed"}, "skip"),
    ("on-failure-upstream-pending", {"A": "pending"}, {"A": "Failed"}, "wait"),
    ("on-stop-upstream-stopped", {"A": "stopped"}, {"A": "Stopped"}, "run"),
    ("on-stop-upstream-failed", {"A": "failed"}, {"A": "Stopped"}, "skip"),
    ("on-any-upstream-failed", {"A": "failed"}, {"A": "Any"}, "run"),
    ("on-any-upstream-succeeded", {"A": "succeeded"}, {"A": "Any"}, "run"),
    ("on-any-upstream-blocked", {"A": "blocked"}, {"A": "Any"}, "skip"),
    ("on-any-but-a-plain-one-failed", {"A": "failed", "B": "failed"}, {"A": "Any"}, "block"),
    ("on-any-waits-for-the-other", {"A": "failed", "B": "running"}, {"A": "Any"}, "wait"),
    ("no-upstream", {}, {}, "run"),
]


@pytest.mark.parametrize(
    ("states", "triggers", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_readiness(states: dict[str, str], triggers: dict[str, str], expected: str) -> None:
    assert readiness(states, triggers) == expected


HANDLERS = [
    ("runs-on-a-failure", {"A": "failed"}, {"A": "Failed"}, True),
    ("runs-on-any-end-after-a-failure", {"A": "failed"}, {"A": "Any"}, True),
    ("runs-on-any-end-after-success", {"A": "succeeded"}, {"A": "Any"}, False),
    ("plain-dependency", {"A": "succeeded"}, {}, False),
]


@pytest.mark.parametrize(
    ("states", "triggers", "expected"), [h[1:] for h in HANDLERS], ids=[h[0] for h in HANDLERS]
)
def test_a_step_started_by_a_failure_may_start_after_the_execution_stalled(
    states: dict[str, str], triggers: dict[str, str], expected: bool
) -> None:
    assert handles_failure(states, triggers) is expected

"""Whether a pending step may start: its upstream steps' ends against its DependsOn triggers
(plain names wait for success; SDK 3.x run conditions fire on Failed, Stopped or Any end)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from sagemaker_pipelines_operator.definition.run_conditions import FIRES_ON

Readiness = Literal["wait", "run", "skip", "block"]
_ENDED = frozenset({"succeeded", "failed", "stopped", "blocked", "skipped"})


def readiness(states: Mapping[str, str], triggers: Mapping[str, str]) -> Readiness:
    """`states`: each upstream step -> its progress; `triggers`: upstream -> trigger (default Completed).

    skip: an upstream step was skipped, or a run condition cannot fire any more (its upstream ended
    otherwise); block: an upstream a plain dependency needs failed, stopped or was blocked.
    """
    if "skipped" in states.values():
        return "skip"
    unfired = {
        dep: state for dep, state in states.items() if state not in FIRES_ON[triggers.get(dep, "Completed")]
    }
    ended = {dep: state for dep, state in unfired.items() if state in _ENDED}
    if any(triggers.get(dep, "Completed") == "Completed" for dep in ended):
        return "block"
    if ended:
        return "skip"
    return "wait" if unfired else "run"


def handles_failure(states: Mapping[str, str], triggers: Mapping[str, str]) -> bool:
    """True if the step runs because an upstream step failed or stopped (so it starts after a failure)."""
    return any(
        triggers.get(dep, "Completed") != "Completed" and state in ("failed", "stopped")
        for dep, state in states.items()
    )

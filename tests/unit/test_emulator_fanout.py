"""FanOut: which children start under MaxConcurrency and body dependencies, what counts it reports."""

from __future__ import annotations

import pytest

from sagemaker_pipelines_emulator.fanout import Child, FanOut, ItemsError, item_list


def fan(items: int, concurrency: int) -> FanOut:
    deps: dict[str, dict[str, str]] = {"Score": {}, "Prepare": {"Score": "Completed"}}
    return FanOut([f"i{n}" for n in range(items)], ("Score", "Prepare"), deps, concurrency)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('["a", "b"]', ["a", "b"], id="json-list-string"),
        pytest.param('[{"r": "a"}, 2, true]', ['{"r":"a"}', "2", "true"], id="objects-stay-json"),
        pytest.param(["a", 1, 0.5, False], ["a", "1", "0.5", "false"], id="literal-list"),
        pytest.param("[]", [], id="empty"),
    ],
)
def test_items_become_iteration_strings(value: object, expected: list[str]) -> None:
    assert item_list(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("us-east-1", "IterableItems is not a JSON list", id="plain-string"),
        pytest.param('{"a": 1}', "IterableItems must resolve to a list, got dict", id="json-object"),
        pytest.param(3, "IterableItems must resolve to a list, got int", id="number"),
    ],
)
def test_items_that_are_no_list_are_an_error(value: object, message: str) -> None:
    with pytest.raises(ItemsError, match=message):
        item_list(value)


@pytest.mark.parametrize(("items", "concurrency", "first"), [(3, 2, 2), (1, 5, 1), (5, 50, 5)], ids=str)
def test_first_wave_is_bounded_by_concurrency_and_dependencies(
    items: int, concurrency: int, first: int
) -> None:
    started = fan(items, concurrency).ready()
    assert len(started) == first
    assert {child.template for child in started} == {"Score"}


def test_body_step_starts_after_its_sibling_in_the_same_iteration() -> None:
    fan_out = fan(2, 2)
    fan_out.ready()
    fan_out.ended(Child(0, "Score"), "succeeded")
    assert fan_out.ready() == [Child(0, "Prepare")]


def test_no_child_starts_after_a_failure_and_the_counts_say_so() -> None:
    fan_out = fan(3, 1)
    (first,) = fan_out.ready()
    fan_out.ended(first, "failed")
    assert fan_out.ready() == [] and fan_out.done
    assert fan_out.metadata("Failed") == {
        "InputItemCount": 3,
        "TotalStepCount": 6,
        "SucceededStepCount": 0,
        "FailedStepCount": 1,
        "StoppedStepCount": 0,
        "Status": "Failed",
    }


@pytest.mark.parametrize(
    ("pick", "scores", "index"),
    [
        ("MaxBy", [0.1, 0.9, 0.5], 1),
        ("MinBy", [0.1, 0.9, 0.5], 0),
        ("MaxBy", ["2", 3, "x"], 1),
        ("MaxBy", [1, 1], 0),
    ],
    ids=["max", "min", "strings-and-junk", "tie-lowest-index"],
)
def test_selector_picks_by_score(pick: str, scores: list[object], index: int) -> None:
    fan_out = FanOut([str(n) for n in range(len(scores))], ("Score",), {"Score": {}}, 5)
    for child in fan_out.ready():
        fan_out.ended(child, "succeeded")
    picked = fan_out.select(pick, "Score", lambda child: scores[child.index])
    assert picked == {"StepName": "Score", "Index": index}


def test_a_body_step_run_on_its_siblings_failure_starts_after_the_failure_and_is_skipped_otherwise() -> None:
    deps: dict[str, dict[str, str]] = {"Score": {}, "Report": {"Score": "Failed"}}
    fan_out = FanOut(["a", "b"], ("Score", "Report"), deps, 2)
    assert fan_out.ready() == [Child(0, "Score"), Child(1, "Score")]
    fan_out.ended(Child(0, "Score"), "succeeded")
    fan_out.ended(Child(1, "Score"), "failed")
    assert fan_out.ready() == [Child(1, "Report")]
    assert fan_out.states[Child(0, "Report")] == "skipped"
    fan_out.ended(Child(1, "Report"), "succeeded")
    assert fan_out.ready() == [] and fan_out.done

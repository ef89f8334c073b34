"""declared_parameters and check_run_parameters: what a definition declares and which run values fit."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_pipelines_operator.definition import (
    DeclaredParameter,
    check_run_parameters,
    declared_parameters,
    resolved_parameters,
)

DEFINITION: dict[str, Any] = {
    "Version": "2020-12-01",
    "Parameters": [
        {"Name": "InputDataUrl", "Type": "String"},
        {"Name": "Epochs", "Type": "Integer", "DefaultValue": 10},
        {"Name": "Threshold", "Type": "Float", "DefaultValue": 0.75},
        {"Name": "Deploy", "Type": "Boolean", "DefaultValue": False},
        {"Name": "Mode", "Type": "String", "DefaultValue": "fast", "EnumValues": ["fast", "full"]},
    ],
    "Steps": [],
}
DECLARED = declared_parameters(DEFINITION)


def test_declared_parameters_carry_defaults_as_start_would_send_them() -> None:
    assert [
        DeclaredParameter("InputDataUrl", "String", None, True),
        DeclaredParameter("Epochs", "Integer", "10", False),
        DeclaredParameter("Threshold", "Float", "0.75", False),
        DeclaredParameter("Deploy", "Boolean", "false", False),
        DeclaredParameter("Mode", "String", "fast", False, ("fast", "full")),
    ] == DECLARED


RUNS: list[tuple[str, dict[str, str], list[str]]] = [
    ("only-required", {"InputDataUrl": "s3://b/k"}, []),
    (
        "all-valid",
        {"InputDataUrl": "s3://b", "Epochs": "-3", "Threshold": "1e-3", "Deploy": "TRUE", "Mode": "full"},
        [],
    ),
    ("missing-required", {}, ["parameter 'InputDataUrl' (String) has no default and must be given"]),
    (
        "unknown-with-hint",
        {"InputDataUrl": "s3://b", "Epoch": "3"},
        [
            "unknown parameter 'Epoch' (declared: Deploy, Epochs, InputDataUrl, Mode, Threshold); "
            "did you mean 'Epochs'?"
        ],
    ),
    (
        "integer-word",
        {"InputDataUrl": "x", "Epochs": "ten"},
        ["parameter 'Epochs' is Integer but 'ten' is not a whole number"],
    ),
    (
        "integer-decimal",
        {"InputDataUrl": "x", "Epochs": "2.5"},
        ["parameter 'Epochs' is Integer but '2.5' is not a whole number"],
    ),
    (
        "float-word",
        {"InputDataUrl": "x", "Threshold": "high"},
        ["parameter 'Threshold' is Float but 'high' is not a number"],
    ),
    (
        "float-nan",
        {"InputDataUrl": "x", "Threshold": "nan"},
        ["parameter 'Threshold' is Float but 'nan' is not a finite number"],
    ),
    (
        "boolean-yes",
        {"InputDataUrl": "x", "Deploy": "yes"},
        ["parameter 'Deploy' is Boolean but 'yes' is not true or false"],
    ),
    (
        "enum-miss",
        {"InputDataUrl": "x", "Mode": "slow"},
        ["parameter 'Mode' must be one of fast, full; got 'slow'"],
    ),
]


@pytest.mark.parametrize(("given", "expected"), [r[1:] for r in RUNS], ids=[r[0] for r in RUNS])
def test_check_run_parameters(given: dict[str, str], expected: list[str]) -> None:
    assert check_run_parameters(DECLARED, given) == expected


def test_resolved_parameters_fill_defaults_in_declaration_order() -> None:
    assert resolved_parameters(DECLARED, {"Mode": "full", "InputDataUrl": "s3://b"}) == {
        "InputDataUrl": "s3://b",
        "Epochs": "10",
        "Threshold": "0.75",
        "Deploy": "false",
        "Mode": "full",
    }


def test_entries_without_a_name_are_not_declared() -> None:
    definition = {
        "Parameters": [{"Type": "String"}, "junk", {"Name": "A", "Type": "Integer", "DefaultValue": 1}]
    }
    assert [p.name for p in declared_parameters(definition)] == ["A"]

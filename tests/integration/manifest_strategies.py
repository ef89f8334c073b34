"""hypothesis strategies for the fuzzing scenario: Pipeline and PipelineRun manifests that are
valid, almost valid, or garbage in the ways people get them wrong (wrong types, huge and deeply
nested definitions, unicode, YAML 1.1 booleans, missing and extra fields, garbage parameters).
Not a test module."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import yaml
from hypothesis import strategies as st

from tests.fixtures.pipelines import ROLE
from tests.fixtures.runs import GROUP, VERSION

PARAMETERS_OF_TARGET = [
    {"Name": "Epochs", "Type": "Integer", "DefaultValue": 3},
    {"Name": "Rate", "Type": "Float", "DefaultValue": 0.1},
    {"Name": "Dataset", "Type": "String", "DefaultValue": "s3://d"},
    {"Name": "Deploy", "Type": "Boolean", "DefaultValue": False},
]
"""The declared parameters of the Pipeline the fuzzed PipelineRuns name."""
YAML11_BOOLEANS = ("yes", "no", "on", "off", "Yes", "ON", "Off", "true", "False")
_MARK = "yamlelevenmark"
"""A plain scalar to PyYAML's emitter (no quotes), replaced by the bare token in the text."""
_SERIAL = itertools.count()

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
unicode_names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
)
step_types = st.sampled_from(
    ["Processing", "Training", "Transform", "Condition", "Fail", "Lambda", "Bogus", ""]
)


def base_definition() -> dict[str, Any]:
    return {
        "Version": "2020-12-01",
        "Parameters": copy.deepcopy(PARAMETERS_OF_TARGET),
        "Steps": [
            {"Name": "Prep", "Type": "Processing", "Arguments": {"Image": "x"}},
            {"Name": "Train", "Type": "Training", "Arguments": {}, "DependsOn": ["Prep"]},
        ],
    }


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = {f"l{level}": value} if level % 2 else [value]
    return value


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A definition from one of the ways of getting it wrong (or right)."""
    doc = base_definition()
    how = draw(
        st.sampled_from(
            [
                "valid",
                "wrong-type",
                "huge",
                "long-string",
                "deep",
                "unicode",
                "missing",
                "extra",
                "parameters",
            ]
        )
    )
    if how == "wrong-type":
        where = draw(st.sampled_from(["Version", "Parameters", "Steps", "step", "Name", "Type", "DependsOn"]))
        garbage = draw(json_values)
        if where in ("Version", "Parameters", "Steps"):
            doc[where] = garbage
        elif where == "step":
            doc["Steps"][0] = garbage
        else:
            doc["Steps"][1][where] = garbage
    elif how == "huge":
        count = draw(st.integers(min_value=50, max_value=400))
        doc["Steps"] = [
            {
                "Name": f"S{i}",
                "Type": draw(step_types),
                "Arguments": {},
                "DependsOn": [f"S{i - 1}"] if i else [],
            }
            for i in range(count)
        ]
    elif how == "long-string":
        doc["Steps"][0]["Arguments"]["Blob"] = "x" * draw(st.integers(min_value=10_000, max_value=400_000))
    elif how == "deep":
        doc["Steps"][0]["Arguments"]["Deep"] = nested(draw(st.integers(min_value=10, max_value=400)))
    elif how == "unicode":
        first, second = draw(unicode_names), draw(unicode_names)
        doc["Steps"][0]["Name"], doc["Steps"][1]["DependsOn"] = (
            first,
            [draw(st.sampled_from([first, second]))],
        )
        doc["Steps"][1]["Name"] = second
        doc["Parameters"][0]["Name"] = draw(unicode_names)
    elif how == "missing":
        path = draw(st.sampled_from([("Version",), ("Steps",), ("Steps", 0, "Name"), ("Steps", 1, "Type")]))
        holder: Any = doc
        for key in path[:-1]:
            holder = holder[key]
        del holder[path[-1]]
    elif how == "extra":
        doc[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
        doc["Steps"][0][draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    elif how == "parameters":
        doc["Parameters"] = draw(st.lists(garbage_parameters(), max_size=6))
    return doc


@st.composite
def garbage_parameters(draw: st.DrawFn) -> Any:
    parameter: dict[str, Any] = {}
    if draw(st.booleans()):
        parameter["Name"] = draw(st.sampled_from(["Epochs", "Rate"]) | unicode_names | json_values)
    if draw(st.booleans()):
        parameter["Type"] = draw(st.sampled_from(["Integer", "Float", "String", "Boolean", "integer", "Int"]))
    if draw(st.booleans()):
        parameter["DefaultValue"] = draw(json_values)
    return parameter if draw(st.integers(0, 9)) else draw(json_values)


def yaml11(doc: dict[str, Any], where: str, token: str) -> dict[str, Any]:
    """`doc` written as YAML by a person who left `token` unquoted at `where`, read back by a
    YAML 1.1 parser (PyYAML, like kubectl's): `on` and `yes` become booleans."""
    marked = copy.deepcopy(doc)
    if where == "Type":
        marked["Steps"][0]["Type"] = _MARK
    elif where == "Name":
        marked["Steps"][0]["Name"] = _MARK
    elif where == "DefaultValue":
        marked["Parameters"][2]["DefaultValue"] = _MARK
    elif where == "key":
        marked["Steps"][0]["Arguments"][_MARK] = "value"
    else:
        marked["Version"] = _MARK
    loaded: dict[str, Any] = yaml.safe_load(yaml.safe_dump(marked).replace(_MARK, token))
    return loaded


@st.composite
def yaml11_definitions(draw: st.DrawFn) -> dict[str, Any]:
    where = draw(st.sampled_from(["Type", "Name", "DefaultValue", "key", "Version"]))
    return yaml11(base_definition(), where, draw(st.sampled_from(YAML11_BOOLEANS)))


@st.composite
def pipeline_manifests(draw: st.DrawFn) -> dict[str, Any]:
    doc = draw(definitions() | yaml11_definitions())
    spec: dict[str, Any] = {"roleArn": ROLE, "definition": {"inline": doc}}
    spec_fault = draw(
        st.sampled_from([None, None, None, "no-role", "no-definition", "extra", "wrong-role", "tags"])
    )
    if spec_fault == "no-role":
        del spec["roleArn"]
    elif spec_fault == "no-definition":
        del spec["definition"]
    elif spec_fault == "extra":
        spec[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    elif spec_fault == "wrong-role":
        spec["roleArn"] = draw(json_values)
    elif spec_fault == "tags":
        spec["tags"] = draw(st.dictionaries(unicode_names, unicode_names | json_values, max_size=3))
    return manifest("Pipeline", spec)


@st.composite
def run_manifests(draw: st.DrawFn, pipeline: str) -> dict[str, Any]:
    names = st.sampled_from([p["Name"] for p in PARAMETERS_OF_TARGET]) | unicode_names
    values = st.sampled_from(["3", "-1", "0.5", "1e400", "true", "yes", "", "s3://x"]) | st.text(max_size=20)
    parameters = draw(
        st.dictionaries(names, values | json_values if draw(st.booleans()) else values, max_size=4)
    )
    return manifest("PipelineRun", {"pipelineRef": {"name": pipeline}, "parameters": parameters})


def manifest(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": kind,
        "metadata": {
            "name": f"fuzz-{kind.lower()}-{next(_SERIAL):05d}",
            "labels": {"smpo-test/fuzz": "true"},
        },
        "spec": spec,
    }

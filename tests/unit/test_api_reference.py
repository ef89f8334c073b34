"""docs/api-reference.md is what the models render, and it covers every field, condition and rule."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from sagemaker_pipelines_operator.api import conditions
from sagemaker_pipelines_operator.api.crd import render_crds
from sagemaker_pipelines_operator.api.kinds import KINDS
from sagemaker_pipelines_operator.api.reference import main, render_reference

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "api-reference.md"


def _models_under(model: type[BaseModel], found: dict[str, type[BaseModel]]) -> None:
    found[model.__name__] = model
    for field in model.model_fields.values():
        for sub in _model_args(field.annotation):
            if sub.__name__ not in found:
                _models_under(sub, found)


def _model_args(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _model_args(arg)]


def _all_models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for kind in KINDS:
        _models_under(kind.spec, found)
        _models_under(kind.status, found)
    return found


MODELS = _all_models()
FIELDS = [(name, field.alias or attr) for name, m in MODELS.items() for attr, field in m.model_fields.items()]


def _section(text: str, heading: str) -> str:
    """The body under `### heading` up to the next heading of level 2 or 3."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^##)", text + "\n##", re.S | re.M)
    assert match is not None, f"no section '### {heading}' in docs/api-reference.md"
    return match.group(1)


def test_committed_reference_matches_the_models() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), (
        "docs/api-reference.md drifted from the models: run `make docs`"
    )


@pytest.mark.parametrize(("model", "field"), FIELDS, ids=[f"{m}.{f}" for m, f in FIELDS])
def test_every_field_has_a_row_in_its_type_section(model: str, field: str) -> None:
    assert f"\n| `{field}` |" in _section(REFERENCE.read_text(encoding="utf-8"), model)


@pytest.mark.parametrize(("model", "field"), FIELDS, ids=[f"{m}.{f}" for m, f in FIELDS])
def test_every_field_is_documented_on_the_model(model: str, field: str) -> None:
    info = next(f for a, f in MODELS[model].model_fields.items() if (f.alias or a) == field)
    assert info.description, f"{model}.{field} has no attribute docstring"


def test_spec_tables_show_required_defaults_and_constraints() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    spec = _section(text, "PipelineSpec")
    assert "| `roleArn` | string | yes |  | length 20 to 2048<br>pattern `^arn:aws" in spec
    assert "| `adoptionPolicy` | string |  | `Never` | one of `Never`, `Adopt` |" in spec
    retry = _section(text, "RetryPolicy")
    assert "| `maxAttempts` | integer |  | `1` | value 1 to 20 |" in retry


CONDITION_VALUES = sorted({v for k, v in vars(conditions).items() if k.isupper() and isinstance(v, str)})


@pytest.mark.parametrize("value", CONDITION_VALUES)
def test_every_condition_type_and_reason_is_listed(value: str) -> None:
    assert f"\n| `{value}` |" in _section_from(REFERENCE.read_text(encoding="utf-8"), "## Conditions")


def _section_from(text: str, heading: str) -> str:
    return text[text.index(f"\n{heading}\n") :]


def _cel_messages(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [r["message"] for r in node.get("x-kubernetes-validations", [])]
        return own + [m for v in node.values() for m in _cel_messages(v)]
    if isinstance(node, list):
        return [m for v in node for m in _cel_messages(v)]
    return []


def test_every_cel_rule_of_the_crds_is_listed() -> None:
    import yaml

    text = REFERENCE.read_text(encoding="utf-8")
    for name, body in render_crds().items():
        for message in _cel_messages(yaml.safe_load(body)):
            assert message.replace("|", "\\|") in text, f"{name}: CEL message {message!r} missing"


def test_check_flag_fails_on_a_stale_file_and_passes_on_a_fresh_one(tmp_path: Path) -> None:
    target = tmp_path / "api-reference.md"
    assert main([str(target), "--check"]) == 1
    assert main([str(target)]) == 0
    assert main([str(target), "--check"]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert main([str(target), "--check"]) == 1

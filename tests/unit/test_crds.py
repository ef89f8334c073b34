"""crds/ is exactly what the models generate, and the generated schemas are structural."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sagemaker_pipelines_operator.api.crd import crd_files, render_crds

CRDS = Path(__file__).resolve().parents[2] / "crds"


def test_committed_crds_match_the_models() -> None:
    generated = crd_files()
    committed = {p.name: p.read_text(encoding="utf-8") for p in CRDS.glob("*.yaml")}
    assert sorted(committed) == sorted(generated), "run `smpo crds --out crds`"
    for name, text in generated.items():
        assert committed[name] == text, f"{name} drifted from the models: run `smpo crds --out crds`"


def _walk(node: Any, path: str = "") -> list[str]:
    """Constructs a structural schema may not contain."""
    bad: list[str] = []
    if isinstance(node, dict):
        for key in ("$ref", "anyOf", "oneOf", "allOf", "patternProperties", "propertyNames", "const"):
            if key in node:
                bad.append(f"{path}.{key}")
        if "properties" in node and "additionalProperties" in node:
            bad.append(f"{path}: properties with additionalProperties")
        if node.get("type") == "object" and not (
            {"properties", "additionalProperties", "x-kubernetes-preserve-unknown-fields"} & node.keys()
        ):
            bad.append(f"{path}: object without properties")
        for key, value in node.items():
            bad.extend(_walk(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            bad.extend(_walk(value, f"{path}[{i}]"))
    return bad


@pytest.mark.parametrize("name", sorted(render_crds()))
def test_generated_schema_is_structural(name: str) -> None:
    crd = yaml.safe_load(render_crds()[name])
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    problems = [p for p in _walk(schema["properties"]["spec"]) if "metadata" not in p]
    problems += _walk(schema["properties"]["status"])
    assert problems == []


@pytest.mark.parametrize("name", sorted(render_crds()))
def test_crd_has_status_subresource_category_and_short_name(name: str) -> None:
    crd = yaml.safe_load(render_crds()[name])
    version = crd["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    assert crd["spec"]["names"]["categories"] == ["sagemaker"]
    assert crd["spec"]["names"]["shortNames"]
    columns = [c["name"] for c in version["additionalPrinterColumns"]]
    assert {"Ready", "Status", "Age"} <= set(columns)


def test_run_spec_is_immutable_except_cancel_and_ttl() -> None:
    crd = yaml.safe_load(render_crds()["sagemaker.pipelines.dev_pipelineruns.yaml"])
    root = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    guarded = {
        r["fieldPath"].removeprefix(".spec.")
        for r in root["x-kubernetes-validations"]
        if "oldSelf" in r["rule"]
    }
    assert guarded == set(root["properties"]["spec"]["properties"]) - {"cancel", "ttlSecondsAfterFinished"}


def test_schedule_run_template_has_no_transition_rules() -> None:
    text = render_crds()["sagemaker.pipelines.dev_pipelineschedules.yaml"]
    assert "oldSelf" not in text

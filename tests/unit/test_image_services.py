"""The image keeps botocore data only for hack/image/slim.py's BOTOCORE_SERVICES: every AWS service
the operator's code names in a client call must be among them, or the image would fail at run time."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = REPO_ROOT / "operator" / "sagemaker_pipelines_operator"
CLIENT_CALLS = {"client", "create_client"}
# Services botocore calls on the operator's behalf, without a client call in our code.
INDIRECT = {"sts": "AssumeRoleCredentialFetcher (namespace roles)"}


def slim() -> Any:
    spec = importlib.util.spec_from_file_location("slim", REPO_ROOT / "hack" / "image" / "slim.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def services_named(source: str) -> set[str]:
    """Literal service names passed to `<x>.client(...)` / `<x>.create_client(...)`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in CLIENT_CALLS:
            continue
        named = [k.value for k in node.keywords if k.arg == "service_name"]
        first = node.args[0] if node.args else (named[0] if named else None)
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param('factory.client("s3", region, role)', {"s3"}, id="factory-positional"),
        pytest.param('boto3.client(service_name="sqs")', {"sqs"}, id="keyword"),
        pytest.param('session.create_client("sts", region_name="x")', {"sts"}, id="create-client"),
        pytest.param("factory.client(service, region)", set(), id="variable-not-counted"),
        pytest.param('print("sagemaker")', set(), id="other-call"),
        pytest.param('api.client("a")\nb.client("b")', {"a", "b"}, id="several"),
    ],
)
def test_services_named_finds_literal_client_services(source: str, expected: set[str]) -> None:
    assert services_named(source) == expected


def test_every_service_the_operator_calls_keeps_its_botocore_data_in_the_image() -> None:
    named: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for service in services_named(path.read_text(encoding="utf-8")):
            named.setdefault(service, []).append(str(path.relative_to(REPO_ROOT)))
    assert {"sagemaker", "s3"} <= set(named), f"the scan no longer finds the known clients: {named}"
    kept = slim().BOTOCORE_SERVICES
    missing = {s: where for s, where in named.items() if s not in kept}
    assert not missing, f"add these to BOTOCORE_SERVICES in hack/image/slim.py: {missing}"
    assert set(INDIRECT) <= kept, INDIRECT

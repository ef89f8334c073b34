"""docs/iam-policy.json allows exactly the AWS actions the operator calls.

The calls are derived from the source, not listed by hand: an AST scan of the package (minus
the parts that never run with the operator's role) finds boto3 client calls
(`client.describe_pipeline(...)`, `get_paginator("...")`), the adapter's operation names
(`api.call("DescribePipeline", ...)`, `api.paginate("ListTags", ...)`, the `lookup` forms) and
botocore helpers that call AWS for us (AssumeRoleCredentialFetcher → sts:AssumeRole). Operation
names are checked against botocore's service models, so only real SageMaker, STS, S3 and SQS
operations count.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = REPO_ROOT / "operator" / "sagemaker_pipelines_operator"
POLICY = REPO_ROOT / "docs" / "iam-policy.json"
# The dev stack's demo plays a human approver against the emulator (a package of its own, outside
# PACKAGE); `smpo history --from-sagemaker` (audit/) reads with the auditor's credentials. Neither
# runs with the operator's IAM role.
NOT_CALLING_AWS = {"devstack", "audit"}
SERVICES = ("sagemaker", "sts", "s3", "sqs")
ADAPTER_METHODS = {"call", "paginate", "lookup", "lookup_pages"}  # SageMakerApi's (operation_name, ...)
INDIRECT = {"AssumeRoleCredentialFetcher": {"sts:AssumeRole"}}
IMPLIED = {
    # GetObject with a VersionId (spec.definition.s3.versionId) is authorised as GetObjectVersion.
    "s3:GetObject": {"s3:GetObjectVersion"},
}
# SQS batch operations have no IAM action of their own: the single-message action authorises them.
AUTHORISED_AS = {"sqs:DeleteMessageBatch": "sqs:DeleteMessage"}
NON_AWS_ACTIONS = {"iam:PassRole"}  # checked by SageMaker on CreatePipeline/UpdatePipeline


@cache
def operations() -> dict[str, set[str]]:
    """Operation name (PascalCase and snake_case) → IAM actions, for the services we use."""
    session = botocore.session.get_session()
    names: dict[str, set[str]] = {}
    for service in SERVICES:
        model = session.get_service_model(service)
        prefix = model.signing_name if service != "s3" else "s3"
        for op in model.operation_names:
            for name in (op, xform_name(op)):
                names.setdefault(name, set()).add(f"{prefix}:{op}")
    return names


def actions_in_source(source: str) -> set[str]:
    """IAM actions of every AWS call the module makes."""
    ops = operations()
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            # Single-word snake names (`search`) would match re.search and the like; every
            # operation we care about has at least two words.
            if "_" in method and method in ops:
                found |= ops[method]
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if method in ADAPTER_METHODS and first.value in ops:
                    found |= ops[first.value]
                if method == "get_paginator" and first.value in ops:
                    found |= ops[first.value]
        if isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            found |= INDIRECT.get(name, set())
    return found


def package_modules() -> Iterable[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if not NOT_CALLING_AWS & set(path.relative_to(PACKAGE).parts):
            yield path


def called_actions() -> set[str]:
    found: set[str] = set()
    for path in package_modules():
        found |= actions_in_source(path.read_text(encoding="utf-8"))
    for action in list(found):
        found |= IMPLIED.get(action, set())
    return {AUTHORISED_AS.get(action, action) for action in found}


def policy_actions() -> set[str]:
    policy: dict[str, Any] = json.loads(POLICY.read_text(encoding="utf-8"))
    actions: set[str] = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        listed = statement["Action"]
        actions |= {listed} if isinstance(listed, str) else set(listed)
    return actions


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("api.call('DescribePipeline', PipelineName=n)", {"sagemaker:DescribePipeline"}),
        ("api.paginate('ListTags', 'Tags', ResourceArn=a)", {"sagemaker:ListTags"}),
        ("client.get_object(Bucket=b, Key=k)", {"s3:GetObject"}),
        ("client.get_paginator('list_pipeline_executions')", {"sagemaker:ListPipelineExecutions"}),
        ("f = AssumeRoleCredentialFetcher(client_creator=c)", {"sts:AssumeRole"}),
        ("re.search('x', y); d.update(x); log.info('CreatePipeline')", set()),
        ("STEP_TYPES = {'CreateModel': 1}", set()),
    ],
    ids=["adapter-call", "adapter-paginate", "boto3-call", "paginator", "indirect", "lookalikes", "strings"],
)
def test_call_scanner_finds_aws_operations(source: str, expected: set[str]) -> None:
    assert actions_in_source(source) == expected


def test_scan_sees_the_aws_adapter() -> None:
    # Guards the scan itself: the SageMaker seam's start of every run must be found.
    assert {"sagemaker:StartPipelineExecution", "sts:AssumeRole"} <= called_actions()


def test_policy_allows_every_action_the_operator_calls() -> None:
    missing = called_actions() - policy_actions()
    assert not missing, f"docs/iam-policy.json lacks {sorted(missing)}"


def test_policy_allows_nothing_the_operator_does_not_call() -> None:
    extra = policy_actions() - called_actions() - NON_AWS_ACTIONS
    assert not extra, f"docs/iam-policy.json allows actions no code calls: {sorted(extra)}"


def test_policy_has_no_wildcard_actions_and_passes_roles_only_to_sagemaker() -> None:
    assert all("*" not in action for action in policy_actions())
    policy = json.loads(POLICY.read_text(encoding="utf-8"))
    (pass_role,) = [s for s in policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert pass_role["Action"] == ["iam:PassRole"]

"""Tenants: two namespaces act through two roles (assumed through moto's STS), and the emulator's
record of each call's access key shows that every call about namespace A's pipeline and runs was
signed with A's credentials only, and B's with B's; a run in A cannot name B's Pipeline; a
namespace without a role is refused, with nothing sent to SageMaker."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.fixtures.kube import namespace_name
from tests.fixtures.runs import Kube, definition, pipeline_manifest, run_manifest, wait_for
from tests.integration.test_pipeline_tenancy import ANNOTATION

ROLES = {"a": "arn:aws:iam::111122223333:role/team-a", "b": "arn:aws:iam::111122223333:role/team-b"}
PIPELINE = {"a": "churn", "b": "fraud"}
_EXECUTION_ARN = re.compile(r":pipeline/([^/]+)/execution/")


@pytest.fixture
def tenants(kube_api: client.ApiClient, namespace: str) -> Iterator[dict[str, Kube]]:
    """Namespace A (the test's), B with its own role, C with none."""
    core = client.CoreV1Api(kube_api)
    extra = {key: namespace_name(f"{namespace}-{key}") for key in ("b", "c")}
    for name in extra.values():
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    kubes = {"a": Kube(kube_api, namespace), **{key: Kube(kube_api, name) for key, name in extra.items()}}
    for key in ("a", "b"):
        core.patch_namespace(kubes[key].namespace, {"metadata": {"annotations": {ANNOTATION: ROLES[key]}}})
    yield kubes
    for name in extra.values():
        core.delete_namespace(name)


def pipeline_named_by(call: dict[str, Any]) -> str | None:
    """The SageMaker pipeline a logged call is about, if its request names one."""
    request = call.get("request") or {}
    if "PipelineName" in request:
        return str(request["PipelineName"])
    for key in ("PipelineExecutionArn", "ResourceArn", "PipelineArn"):
        arn = str(request.get(key, ""))
        found = _EXECUTION_ARN.search(arn) or re.search(r":pipeline/([^/]+)$", arn)
        if found:
            return found.group(1)
    return None


def access_key_of_role(running: Any, role: str) -> str:
    sagemaker = running.ctx.aws.sagemaker("us-east-1", role)
    return str(sagemaker._client._request_signer._credentials.get_frozen_credentials().access_key)


def test_each_namespace_acts_only_with_its_own_role(
    *, moto: str, tenants: dict[str, Kube], start_operator: Any, emulator: Any
) -> None:
    a, b, c = tenants["a"], tenants["b"], tenants["c"]
    running = start_operator(namespaces=(a.namespace, b.namespace, c.namespace), require_namespace_role=True)
    try:
        for key in ("a", "b"):
            tenants[key].ready_pipeline(PIPELINE[key], definition())
            tenants[key].create(run_manifest("nightly", pipeline=PIPELINE[key]))
        a.create(run_manifest("reaching", pipeline=PIPELINE["b"]))
        c.create(pipeline_manifest("orphan", definition()))
        c.create(run_manifest("unmanaged", pipeline=None, pipelineName=PIPELINE["a"]))
        for key in ("a", "b"):
            assert tenants[key].wait_phase("nightly", "Succeeded")
        reaching = wait_for(
            lambda: (
                (r := a.condition("PipelineRun", "reaching", "Ready")).get("reason") == "PipelineNotFound"
                and r
            ),
            what="the run naming B's Pipeline to wait",
        )
        assert f"Pipeline '{PIPELINE['b']}' does not exist in this namespace" in reaching["message"]
        for kind, name in (("Pipeline", "orphan"), ("PipelineRun", "unmanaged")):
            refused = wait_for(
                lambda kind=kind, name=name: (
                    (r := c.condition(kind, name, "Ready")).get("reason") == "NamespaceNotAllowed" and r
                ),
                what=f"{kind} {name} in the namespace without a role to be refused",
            )
            assert "has no sagemaker.pipelines.dev/role-arn annotation" in refused["message"]

        keys = {key: access_key_of_role(running, ROLES[key]) for key in ("a", "b")}
        assert len(set(keys.values()) | {"testing"}) == 3  # two assumed roles, neither the base key
        signed_by: dict[str | None, set[str | None]] = defaultdict(set)
        for call in emulator.calls():
            signed_by[pipeline_named_by(call)].add(call["access_key_id"])
        shown = {pipeline: sorted(map(str, keys_)) for pipeline, keys_ in signed_by.items()}
        print(f"\ntenants: access keys per pipeline named in the emulator's call log: {shown}")
        assert signed_by[PIPELINE["a"]] == {keys["a"]}
        assert signed_by[PIPELINE["b"]] == {keys["b"]}
        assert "orphan" not in signed_by
        assert signed_by.keys() <= {PIPELINE["a"], PIPELINE["b"], None}
        assert signed_by[None] <= set(keys.values())  # listings, each through a namespace's role
        executions = emulator.counters()["executions"]["started"]
        assert executions == 2
    finally:
        for kube in tenants.values():
            for kind in ("PipelineRun", "Pipeline"):
                for obj in kube.list(kind):
                    if kube is c:  # no role, so no deletion can act there: let the objects go
                        kube.patch(kind, obj["metadata"]["name"], {"metadata": {"finalizers": []}})
                    kube.delete(kind, obj["metadata"]["name"])
        wait_for(
            lambda: not any(k.list("Pipeline") or k.list("PipelineRun") for k in (a, b)),
            what="the tenants' resources to go",
        )

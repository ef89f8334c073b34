"""runOnChange: one PipelineRun, owned by the Pipeline, per newly applied definition hash, and
never a second one for the same hash, across changes of other fields and operator restarts."""

from __future__ import annotations

import time
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sagemaker_pipelines_operator.definition import definition_hash
from tests.fixtures.canary import prove_operator_alive
from tests.integration.pipeline_helpers import GROUP, VERSION, Pipelines, definition, wait_for

QUIET_SECONDS = 5.0


def runs(kube_api: client.ApiClient, namespace: str) -> list[dict[str, Any]]:
    listed = client.CustomObjectsApi(kube_api).list_namespaced_custom_object(
        GROUP, VERSION, namespace, "pipelineruns"
    )
    return sorted(listed["items"], key=lambda r: r["metadata"]["creationTimestamp"] + r["metadata"]["name"])


def test_each_new_definition_gets_exactly_one_run(
    pipelines: Pipelines, start_operator: Any, kube_api: client.ApiClient, namespace: str
) -> None:
    first_operator = start_operator()
    uid = pipelines.create("churn", runOnChange={"parameters": {"InputUrl": "s3://data/new"}})["metadata"][
        "uid"
    ]
    ready = pipelines.wait_condition("churn", "Ready", "True", generation=1)
    first_hash = definition_hash(definition())
    assert ready["status"]["runOnChangeHash"] == first_hash
    created = wait_for(lambda: runs(kube_api, namespace), what="the first run")
    assert len(created) == 1
    run = created[0]
    assert run["metadata"]["name"] == f"churn-{first_hash[:10]}"
    assert run["spec"]["pipelineRef"] == {"name": "churn"}
    assert run["spec"]["parameters"] == {"InputUrl": "s3://data/new"}
    assert run["metadata"]["ownerReferences"] == [
        {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Pipeline",
            "name": "churn",
            "uid": uid,
            "controller": True,
        }
    ]
    assert run["metadata"]["labels"]["sagemaker.pipelines.dev/trigger"] == "run-on-change"
    assert "RunCreated" in pipelines.event_reasons("churn")

    # Not a definition change: no run.
    pipelines.patch_spec("churn", {"description": "only words"})
    pipelines.wait_condition("churn", "Ready", "True", generation=2)
    # A definition change: one more run, named by the new hash.
    pipelines.patch_spec("churn", {"definition": {"inline": definition(epochs=12)}})
    pipelines.wait_condition("churn", "Ready", "True", generation=3)
    second_hash = definition_hash(definition(epochs=12))
    wait_for(lambda: len(runs(kube_api, namespace)) == 2, what="the second run")

    first_operator.stop()
    start_operator()
    time.sleep(QUIET_SECONDS)
    names = [r["metadata"]["name"] for r in runs(kube_api, namespace)]
    assert sorted(names) == sorted([f"churn-{first_hash[:10]}", f"churn-{second_hash[:10]}"])
    assert pipelines.get("churn")["status"]["runOnChangeHash"] == second_hash
    prove_operator_alive(kube_api, namespace)


def test_a_deleted_run_is_not_recreated_for_the_same_definition(
    pipelines: Pipelines, operator: Any, kube_api: client.ApiClient, namespace: str
) -> None:
    pipelines.create("churn", runOnChange={"parameters": {"InputUrl": "s3://data/new"}})
    pipelines.wait_condition("churn", "Ready", "True", generation=1)
    (run,) = wait_for(lambda: runs(kube_api, namespace), what="the run")
    custom, name = client.CustomObjectsApi(kube_api), run["metadata"]["name"]
    custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, "pipelineruns", name)
    # The run's own finalizer work (stopping its execution) is not what this test is about; the
    # operator may have finished it already, in which case the run is gone.
    try:
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, namespace, "pipelineruns", name, {"metadata": {"finalizers": []}}
        )
    except ApiException as exc:
        if exc.status != 404:
            raise
    wait_for(lambda: not runs(kube_api, namespace), what="the run to go")
    pipelines.patch_spec("churn", {"tags": {"touched": "yes"}})
    pipelines.wait_condition("churn", "Ready", "True", generation=2)
    time.sleep(QUIET_SECONDS)
    assert runs(kube_api, namespace) == []
    prove_operator_alive(kube_api, namespace)

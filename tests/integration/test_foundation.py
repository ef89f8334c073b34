"""Issue 2 acceptance on the real kube-apiserver: the generated CRDs admit valid objects, reject
invalid ones naming the field, and the operator writes kstatus-style first status and Events."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sagemaker_pipelines_operator.controlplane.binaries import find_binary

GROUP, VERSION = "sagemaker.pipelines.dev", "v1alpha1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "Threshold", "Type": "Float", "DefaultValue": 0.5}],
    "Steps": [{"Name": "Gate", "Type": "Fail", "Arguments": {"ErrorMessage": "stop"}}],
}
PLURALS = {"Pipeline": "pipelines", "PipelineRun": "pipelineruns", "PipelineSchedule": "pipelineschedules"}


def manifest(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": kind, "metadata": {"name": name}, "spec": spec}


def pipeline(name: str = "churn", **spec: Any) -> dict[str, Any]:
    return manifest("Pipeline", name, {"roleArn": ROLE, "definition": {"inline": DEFINITION}, **spec})


def run(name: str = "churn-1", **spec: Any) -> dict[str, Any]:
    return manifest("PipelineRun", name, {"pipelineRef": {"name": "churn"}, **spec})


def schedule(name: str = "nightly", **spec: Any) -> dict[str, Any]:
    return manifest(
        "PipelineSchedule", name, {"schedule": "0 3 * * *", "runTemplate": {"spec": run()["spec"]}, **spec}
    )


def create(api: client.ApiClient, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURALS[body["kind"]], body
    )
    return result


def get(api: client.ApiClient, namespace: str, kind: str, name: str) -> dict[str, Any]:
    result: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURALS[kind], name
    )
    return result


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.mark.parametrize("body", [pipeline(), run(), schedule()], ids=["pipeline", "run", "schedule"])
def test_valid_objects_are_accepted(kube_api: client.ApiClient, namespace: str, body: dict[str, Any]) -> None:
    created = create(kube_api, namespace, body)
    assert created["metadata"]["generation"] == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        pytest.param(
            pipeline(
                definition={"inline": DEFINITION, "configMapRef": {"name": "defs", "key": "churn.json"}}
            ),
            "spec.definition",
            "set exactly one of inline, configMapRef or s3",
            id="two-definition-sources",
        ),
        pytest.param(
            pipeline(pipelineName="churn_model"), "spec.pipelineName", "should match", id="bad-pipeline-name"
        ),
        pytest.param(
            pipeline(name="churn.v2"), "", "not a valid SageMaker pipeline name", id="dotted-metadata-name"
        ),
        pytest.param(pipeline(roleArn="SageMakerRole"), "spec.roleArn", "", id="role-not-an-arn"),
        pytest.param(pipeline(tags={"aws:owner": "me"}), "spec.tags", "reserved", id="reserved-tag"),
        pytest.param(
            run(pipelineName="other"),
            "spec",
            "set exactly one of pipelineRef or pipelineName",
            id="two-pipelines",
        ),
        pytest.param(
            run(parameters={"bad key": "1"}), "spec.parameters", "keys must match", id="parameter-name"
        ),
        pytest.param(
            schedule(concurrencyPolicy="Sometimes"),
            "spec.concurrencyPolicy",
            "Unsupported value",
            id="policy",
        ),
    ],
)
def test_invalid_objects_are_rejected_naming_the_field(
    kube_api: client.ApiClient, namespace: str, body: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ApiException) as caught:
        create(kube_api, namespace, body)
    assert caught.value.status == 422
    detail = json.loads(caught.value.body)["message"]
    assert field in detail
    assert message in detail


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        pytest.param({"parameters": {"Threshold": "0.9"}}, False, id="parameters-immutable"),
        pytest.param({"pipelineRef": {"name": "other"}}, False, id="pipeline-ref-immutable"),
        pytest.param({"timeoutSeconds": 60}, False, id="added-field-immutable"),
        pytest.param({"cancel": True}, True, id="cancel-mutable"),
        pytest.param({"ttlSecondsAfterFinished": 600}, True, id="ttl-mutable"),
    ],
)
def test_run_spec_is_immutable_except_cancel_and_ttl(
    kube_api: client.ApiClient, namespace: str, change: dict[str, Any], accepted: bool
) -> None:
    create(kube_api, namespace, run(parameters={"Threshold": "0.7"}))
    api = client.CustomObjectsApi(kube_api)
    patch = {"spec": change}
    if accepted:
        api.patch_namespaced_custom_object(GROUP, VERSION, namespace, "pipelineruns", "churn-1", patch)
        return
    with pytest.raises(ApiException) as caught:
        api.patch_namespaced_custom_object(GROUP, VERSION, namespace, "pipelineruns", "churn-1", patch)
    field = next(iter(change))
    assert f"spec.{field}" in caught.value.body
    assert "immutable" in caught.value.body


def kubectl(kubeconfig: Path, *args: str) -> str:
    result = subprocess.run(
        [str(find_binary("kubectl")), "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_operator_writes_first_status_and_events(
    kube_api: client.ApiClient, namespace: str, kubeconfig_path: Path, operator: Any
) -> None:
    for body in (pipeline(), run(), schedule()):
        create(kube_api, namespace, body)
    for kind, name in (("Pipeline", "churn"), ("PipelineRun", "churn-1"), ("PipelineSchedule", "nightly")):
        obj = wait_for(
            lambda kind=kind, name=name: (
                (o := get(kube_api, namespace, kind, name)).get("status", {}).get("observedGeneration") and o
            ),
            what=f"{kind} status",
        )
        status = obj["status"]
        assert status["observedGeneration"] == obj["metadata"]["generation"]
        types = {c["type"]: c for c in status["conditions"]}
        assert {"Ready", "Reconciling", "Stalled"} <= types.keys(), kind
        assert types["Ready"]["status"] in {"True", "False", "Unknown"}
        assert all(
            c["observedGeneration"] == 1 and c["lastTransitionTime"].endswith("Z") for c in types.values()
        )
        events = wait_for(
            lambda name=name: (
                client.CoreV1Api(kube_api)
                .list_namespaced_event(namespace, field_selector=f"involvedObject.name={name}")
                .items
            ),
            what=f"an Event for {kind}/{name}",
        )
        assert events[0].source.component == "sagemaker-pipelines-operator" or events[0].reporting_component


def test_kubectl_shows_printer_columns_and_category(
    kube_api: client.ApiClient, namespace: str, kubeconfig_path: Path
) -> None:
    for body in (pipeline(), run(), schedule()):
        create(kube_api, namespace, body)
    table = kubectl(kubeconfig_path, "get", "smp,smpr,smps", "-n", namespace)
    headers = [line.split() for line in table.splitlines() if line.startswith("NAME")]
    assert headers == [
        ["NAME", "SAGEMAKER", "NAME", "VERSION", "LAST", "RUN", "READY", "AGE"],
        ["NAME", "PIPELINE", "PHASE", "STEPS", "STARTED", "DURATION", "READY", "AGE"],
        ["NAME", "SCHEDULE", "SUSPEND", "LAST", "SCHEDULE", "READY", "AGE"],
    ]
    wide = kubectl(kubeconfig_path, "get", "sagemaker", "-n", namespace, "-o", "wide")
    assert wide.count("STATUS") == 3
    explained = kubectl(kubeconfig_path, "explain", "pipelines.spec.driftPolicy")
    assert "Report" in explained


def test_observed_generation_follows_spec_changes(
    kube_api: client.ApiClient, namespace: str, kubeconfig_path: Path, operator: Any
) -> None:
    create(kube_api, namespace, schedule())
    client.CustomObjectsApi(kube_api).patch_namespaced_custom_object(
        GROUP, VERSION, namespace, "pipelineschedules", "nightly", {"spec": {"suspend": True}}
    )
    # kstatus: a resource is current only once observedGeneration caught up with generation.
    kubectl(
        kubeconfig_path,
        "wait",
        "-n",
        namespace,
        "--for=jsonpath={.status.observedGeneration}=2",
        "pipelineschedule/nightly",
        "--timeout=30s",
    )
    obj = get(kube_api, namespace, "PipelineSchedule", "nightly")
    assert {c["observedGeneration"] for c in obj["status"]["conditions"]} == {2}


def test_selector_shards_by_label(
    kube_api: client.ApiClient, namespace: str, start_operator: Callable[..., Any]
) -> None:
    mine = schedule("mine")
    mine["metadata"]["labels"] = {"shard": "a"}
    theirs = schedule("theirs")
    theirs["metadata"]["labels"] = {"shard": "b"}
    create(kube_api, namespace, mine)
    create(kube_api, namespace, theirs)
    start_operator(selector="shard=a")
    wait_for(
        lambda: (
            get(kube_api, namespace, "PipelineSchedule", "mine").get("status", {}).get("observedGeneration")
        ),
        what="the labelled schedule to be reconciled",
    )
    time.sleep(3)  # long enough for the other shard's object to have been handled if it were seen
    assert "status" not in get(kube_api, namespace, "PipelineSchedule", "theirs")
    annotations = get(kube_api, namespace, "PipelineSchedule", "theirs")["metadata"].get("annotations") or {}
    assert not any(k.startswith("sagemaker.pipelines.dev/") for k in annotations)


def test_schedule_run_template_stays_editable(kube_api: client.ApiClient, namespace: str) -> None:
    create(kube_api, namespace, schedule(runTemplate={"spec": run(parameters={"Threshold": "0.7"})["spec"]}))
    client.CustomObjectsApi(kube_api).patch_namespaced_custom_object(
        GROUP,
        VERSION,
        namespace,
        "pipelineschedules",
        "nightly",
        {"spec": {"runTemplate": {"spec": {"parameters": {"Threshold": "0.9"}, "timeoutSeconds": 60}}}},
    )
    template = get(kube_api, namespace, "PipelineSchedule", "nightly")["spec"]["runTemplate"]["spec"]
    assert (template["parameters"], template["timeoutSeconds"]) == ({"Threshold": "0.9"}, 60)

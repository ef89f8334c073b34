"""Pinned runs against the real API server and the emulator: a Pipeline's version aliases kept in
SageMaker, runs pinned by id or alias executing that version's definition, MLflow experiment names,
and the version a run actually ran in its status."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.fixtures.canary import prove_operator_alive
from tests.fixtures.pipelines import job, steps
from tests.fixtures.runs import GROUP, VERSION, Kube, definition, run_manifest, wait_for


@pytest.fixture
def kube(kube_api: client.ApiClient, namespace: str) -> Kube:
    return Kube(kube_api, namespace)


OLD = definition(job("Old"))
NEW = definition(job("New"))


def champion_and_challenger(kube: Kube) -> dict[str, Any]:
    """Version 1 runs step Old and is the champion; version 2 runs New and is the challenger."""
    kube.ready_pipeline(definition_doc=OLD, versionAliases=[{"name": "champion"}])
    wait_for(lambda: kube.status("Pipeline", "train").get("versionAliases"), what="champion applied")
    kube.patch(
        "Pipeline",
        "train",
        {
            "spec": {
                "definition": {"inline": NEW},
                "versionAliases": [{"name": "champion", "versionId": 1}, {"name": "challenger"}],
            }
        },
    )
    return dict(
        wait_for(
            lambda: (
                (s := kube.status("Pipeline", "train")).get("versionAliases")
                == [{"name": "challenger", "versionId": 2}, {"name": "champion", "versionId": 1}]
                and s
            ),
            what="challenger applied",
        )
    )


def live_aliases(sagemaker_client: Any, name: str) -> dict[int, list[str]]:
    versions = sagemaker_client.list_pipeline_versions(PipelineName=name)["PipelineVersionSummaries"]
    return {v["PipelineVersionId"]: v.get("PipelineVersionAliases", []) for v in versions}


def test_declared_aliases_are_kept_on_sagemaker_versions(
    kube: Kube, operator: Any, sagemaker_client: Any
) -> None:
    pipeline = champion_and_challenger(kube)
    assert pipeline["pipelineVersionId"] == 2
    assert live_aliases(sagemaker_client, pipeline["pipelineName"]) == {2: ["challenger"], 1: ["champion"]}
    kube.patch("Pipeline", "train", {"spec": {"versionAliases": [{"name": "champion", "versionId": 2}]}})
    wait_for(
        lambda: live_aliases(sagemaker_client, pipeline["pipelineName"]) == {2: ["champion"], 1: []},
        what="champion promoted, challenger dropped",
    )
    assert wait_for(
        lambda: kube.status("Pipeline", "train")["versionAliases"] == [{"name": "champion", "versionId": 2}]
    )
    assert any("version aliases applied: champion -> version 2" in e[2] for e in kube.events("train"))


PINS = [
    ("applied-version", None, ("New", 2, None)),
    ("by-id", {"id": 1}, ("Old", 1, None)),
    ("by-alias-champion", {"alias": "champion"}, ("Old", 1, "champion")),
    ("by-alias-challenger", {"alias": "challenger"}, ("New", 2, "challenger")),
]


@pytest.mark.parametrize(("pin", "expected"), [p[1:] for p in PINS], ids=[p[0] for p in PINS])
def test_a_pinned_run_executes_that_versions_definition_and_says_so(
    kube: Kube,
    operator: Any,
    sagemaker_client: Any,
    pin: dict[str, Any] | None,
    expected: tuple[str, int, str | None],
) -> None:
    ran, version, alias = expected
    champion_and_challenger(kube)
    spec = {"pipelineVersion": pin} if pin else {}
    kube.create(run_manifest("pinned", mlflowExperimentName="churn-ab", **spec))
    status = kube.wait_phase("pinned", "Succeeded")
    assert status["pipelineVersionId"] == version
    assert status.get("pipelineVersionAlias") == alias
    assert list(steps(sagemaker_client, status["executionArn"])) == [ran]
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=status["executionArn"])
    assert described["PipelineVersionId"] == version
    assert described["MLflowConfig"] == {"MlflowExperimentName": "churn-ab"}
    assert ("definitionHash" in status) == (version == 2)  # the hash is known for the applied version only


def test_a_run_on_an_alias_not_yet_applied_waits_then_runs_it(
    kube: Kube, operator: Any, sagemaker_client: Any
) -> None:
    kube.ready_pipeline(definition_doc=OLD)
    kube.create(run_manifest("early", pipelineVersion={"alias": "champion"}))
    waiting = wait_for(
        lambda: (
            (c := kube.condition("PipelineRun", "early", "Reconciling")).get("reason") == "WaitingForPipeline"
            and c
        ),
        what="run waiting for the alias",
    )
    assert "has no version alias 'champion' applied (applied: none)" in waiting["message"]
    assert kube.status("PipelineRun", "early").get("executionArn") is None
    kube.patch("Pipeline", "train", {"spec": {"versionAliases": [{"name": "champion"}]}})
    status = kube.wait_phase("early", "Succeeded", timeout=60)
    assert status["pipelineVersionId"] == 1 and status["pipelineVersionAlias"] == "champion"


def test_a_pipeline_naming_a_version_sagemaker_lacks_is_stalled_and_keeps_its_aliases(
    kube: Kube, operator: Any, sagemaker_client: Any, kube_api: client.ApiClient, namespace: str
) -> None:
    kube.ready_pipeline(definition_doc=OLD, versionAliases=[{"name": "champion"}])
    wait_for(lambda: kube.status("Pipeline", "train").get("versionAliases"), what="champion applied")
    kube.patch("Pipeline", "train", {"spec": {"versionAliases": [{"name": "champion", "versionId": 7}]}})
    stalled = wait_for(
        lambda: (c := kube.condition("Pipeline", "train", "Stalled")).get("status") == "True" and c,
        what="Pipeline stalled",
    )
    assert stalled["message"] == (
        "versionAliases: 'champion' names version 7, which this SageMaker pipeline does not have "
        "(versions: 1)"
    )
    name = kube.status("Pipeline", "train")["pipelineName"]
    assert live_aliases(sagemaker_client, name) == {1: ["champion"]}
    prove_operator_alive(kube_api, namespace)


REFUSED = [
    ("digits-only-alias", {"pipelineVersion": {"alias": "2024"}}, "an alias can't consist of numbers only"),
    ("id-and-alias", {"pipelineVersion": {"id": 1, "alias": "champion"}}, "set exactly one of id or alias"),
    ("id-zero", {"pipelineVersion": {"id": 0}}, "should be greater than or equal to 1"),
    ("alias-pattern", {"pipelineVersion": {"alias": "champ ion"}}, "should match"),
    ("experiment-empty", {"mlflowExperimentName": ""}, "should be at least 1 chars long"),
]


@pytest.mark.parametrize(("spec", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_the_api_server_refuses_a_bad_pin_and_nothing_is_created(
    kube: Kube, spec: dict[str, Any], message: str
) -> None:
    with pytest.raises(ApiException) as caught:
        kube.create(run_manifest("bad", **spec))
    assert caught.value.status == 422 and message in caught.value.body
    assert kube.get("PipelineRun", "bad") is None


def test_an_alias_pin_on_an_unmanaged_pipeline_is_refused(kube: Kube) -> None:
    with pytest.raises(ApiException) as caught:
        kube.create(run_manifest("bad", pipeline=None, pipelineName="x", pipelineVersion={"alias": "a"}))
    assert "pipelineVersion.alias needs pipelineRef" in caught.value.body


def test_a_schedules_run_template_keeps_the_pin(kube: Kube, kube_api: client.ApiClient) -> None:
    template = {
        "spec": {
            **run_manifest("x")["spec"],
            "pipelineVersion": {"alias": "challenger"},
            "mlflowExperimentName": "churn-ab",
        }
    }
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineSchedule",
        "metadata": {"name": "nightly"},
        "spec": {"schedule": "0 3 * * *", "suspend": True, "runTemplate": template},
    }
    kube.create(body)
    stored = client.CustomObjectsApi(kube_api).get_namespaced_custom_object(
        GROUP, VERSION, kube.namespace, "pipelineschedules", "nightly"
    )
    assert stored["spec"]["runTemplate"]["spec"]["pipelineVersion"] == {"alias": "challenger"}
    assert stored["spec"]["runTemplate"]["spec"]["mlflowExperimentName"] == "churn-ab"


def test_a_run_pinned_to_a_version_sagemaker_lacks_fails_naming_it_and_starts_nothing(
    kube: Kube, operator: Any, sagemaker_client: Any
) -> None:
    kube.ready_pipeline(definition_doc=OLD)
    kube.create(run_manifest("ghost", pipelineVersion={"id": 9}))
    status = kube.wait_phase("ghost", "Failed")
    assert status["pipelineVersionId"] == 9 and "executionArn" not in status
    name = kube.status("Pipeline", "train")["pipelineName"]
    assert status["failureReason"] == (
        "StartPipelineExecution: ResourceNotFound: Pipeline version 9 of pipeline "
        f"'arn:aws:sagemaker:us-east-1:123456789012:pipeline/{name}' does not exist."
    )
    assert sagemaker_client.list_pipeline_executions(PipelineName="train")["PipelineExecutionSummaries"] == []


def schedule_body(template_spec: dict[str, Any], variants: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PipelineSchedule",
        "metadata": {"name": "ab"},
        "spec": {"schedule": "0 3 * * *", "runTemplate": {"spec": template_spec}, "variants": variants},
    }


REFUSED_VARIANTS = [
    ("repeated-name", None, [{"name": "a"}, {"name": "a"}], "variant names must be unique"),
    (
        "alias-without-pipeline-ref",
        {"pipelineName": "x"},
        [{"name": "a", "pipelineVersion": {"alias": "champion"}}],
        "a variant's version alias needs runTemplate.spec.pipelineRef",
    ),
    ("name-pattern", None, [{"name": "Champion"}], "should match"),
    ("name-too-long", None, [{"name": "c" * 21}], "Too long"),
    ("too-many", None, [{"name": f"v{i}"} for i in range(9)], "must have at most 8 items"),
]


@pytest.mark.parametrize(
    ("template", "variants", "message"),
    [r[1:] for r in REFUSED_VARIANTS],
    ids=[r[0] for r in REFUSED_VARIANTS],
)
def test_the_api_server_refuses_bad_variants_and_nothing_is_created(
    kube: Kube, template: dict[str, Any] | None, variants: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ApiException) as caught:
        kube.create(schedule_body(template or run_manifest("x")["spec"], variants))
    assert caught.value.status == 422 and message in caught.value.body, caught.value.body
    assert kube.get("PipelineSchedule", "ab") is None

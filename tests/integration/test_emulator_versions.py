"""Pipeline versions in the emulator as botocore's model has them: aliases on Create/UpdatePipeline
and UpdatePipelineVersion, pinned executions running the pinned definition, MLflow experiment names."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.pipelines import create, definition, job, steps, token, wait


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def two_versions(client: Any, name: str = "ab") -> str:
    """A pipeline whose version 1 (alias champion) runs step Old and version 2 (challenger) runs New."""
    arn = create(client, name, job("Old"), PipelineVersionAliases=["champion"])
    client.update_pipeline(
        PipelineName=name, PipelineDefinition=definition(job("New")), PipelineVersionAliases=["challenger"]
    )
    return arn


def pinned_start(client: Any, name: str, **pin: Any) -> str:
    return str(
        client.start_pipeline_execution(PipelineName=name, ClientRequestToken=token(), **pin)[
            "PipelineExecutionArn"
        ]
    )


def test_aliases_from_create_and_update_are_listed_and_described(sagemaker_client: Any) -> None:
    two_versions(sagemaker_client)
    versions = sagemaker_client.list_pipeline_versions(PipelineName="ab")["PipelineVersionSummaries"]
    assert [(v["PipelineVersionId"], v["PipelineVersionAliases"]) for v in versions] == [
        (2, ["challenger"]),
        (1, ["champion"]),
    ]
    described = sagemaker_client.describe_pipeline(PipelineName="ab", PipelineVersionAlias="champion")
    assert '"Old"' in described["PipelineDefinition"]
    assert described["PipelineVersionAliases"] == ["champion"]


@pytest.mark.parametrize(
    ("pin", "ran", "version"),
    [
        ({}, "New", 2),
        ({"PipelineVersionId": 1}, "Old", 1),
        ({"PipelineVersionAlias": "champion"}, "Old", 1),
        ({"PipelineVersionAlias": "challenger"}, "New", 2),
    ],
    ids=["latest", "by-id", "by-alias-champion", "by-alias-challenger"],
)
def test_a_pinned_execution_runs_the_pinned_versions_definition(
    sagemaker_client: Any, pin: dict[str, Any], ran: str, version: int
) -> None:
    two_versions(sagemaker_client)
    arn = pinned_start(sagemaker_client, "ab", **pin)
    described = wait(sagemaker_client, arn)
    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert described["PipelineVersionId"] == version
    assert list(steps(sagemaker_client, arn)) == [ran]
    definition_run = sagemaker_client.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    assert f'"{ran}"' in definition_run["PipelineDefinition"]


def test_executions_list_by_alias_and_show_their_versions_aliases(sagemaker_client: Any) -> None:
    two_versions(sagemaker_client)
    champion = pinned_start(sagemaker_client, "ab", PipelineVersionAlias="champion")
    challenger = pinned_start(sagemaker_client, "ab", PipelineVersionAlias="challenger")
    listed = sagemaker_client.list_pipeline_executions(PipelineName="ab", PipelineVersionAlias="champion")
    summaries = listed["PipelineExecutionSummaries"]
    assert [s["PipelineExecutionArn"] for s in summaries] == [champion]
    assert summaries[0]["PipelineVersionAliases"] == ["champion"]
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=challenger)
    assert described["PipelineVersionAliases"] == ["challenger"]


def test_update_pipeline_version_moves_an_alias_and_names_the_version(sagemaker_client: Any) -> None:
    arn = two_versions(sagemaker_client)
    sagemaker_client.update_pipeline_version(
        PipelineArn=arn, PipelineVersionId=1, PipelineVersionAliasOperations={"Remove": ["champion"]}
    )
    response = sagemaker_client.update_pipeline_version(
        PipelineArn=arn,
        PipelineVersionId=2,
        PipelineVersionDisplayName="git-3f2a9c1",
        PipelineVersionDescription="Applied from git 3f2a9c1",
        PipelineVersionAliasOperations={"Add": ["champion"], "Remove": ["challenger"]},
    )
    assert response == {
        "PipelineArn": arn,
        "PipelineVersionId": 2,
        "ResponseMetadata": response["ResponseMetadata"],
    }
    versions = sagemaker_client.list_pipeline_versions(PipelineName="ab")["PipelineVersionSummaries"]
    assert versions[0]["PipelineVersionAliases"] == ["champion"]
    assert versions[0]["PipelineVersionDisplayName"] == "git-3f2a9c1"
    assert versions[0]["PipelineVersionDescription"] == "Applied from git 3f2a9c1"
    assert "PipelineVersionAliases" not in versions[1]
    described = sagemaker_client.describe_pipeline(PipelineName="ab", PipelineVersionId=2)
    assert described["PipelineVersionDisplayName"] == "git-3f2a9c1"
    wait(sagemaker_client, arn_ran := pinned_start(sagemaker_client, "ab", PipelineVersionAlias="champion"))
    assert list(steps(sagemaker_client, arn_ran)) == ["New"]


REFUSED: list[tuple[str, str, dict[str, Any], tuple[str, str]]] = [
    (
        "alias-held-by-another-version",
        "update_pipeline_version",
        {"PipelineVersionId": 2, "PipelineVersionAliasOperations": {"Add": ["champion"]}},
        (
            "ValidationException",
            "Pipeline version alias 'champion' is already assigned to version 1 of pipeline "
            "'arn:aws:sagemaker:us-east-1:123456789012:pipeline/ab'; remove it from that version first.",
        ),
    ),
    (
        "add-and-remove-the-same",
        "update_pipeline_version",
        {"PipelineVersionId": 1, "PipelineVersionAliasOperations": {"Add": ["x"], "Remove": ["x"]}},
        ("ValidationException", "An alias can't appear in both Add and Remove: x."),
    ),
    (
        "remove-an-alias-the-version-lacks",
        "update_pipeline_version",
        {"PipelineVersionId": 1, "PipelineVersionAliasOperations": {"Remove": ["challenger"]}},
        ("ValidationException", "Pipeline version 1 has no alias challenger to remove."),
    ),
    (
        "digits-only",
        "update_pipeline_version",
        {"PipelineVersionId": 1, "PipelineVersionAliasOperations": {"Add": ["2024"]}},
        ("ValidationException", "Pipeline version alias '2024' can't consist of numbers only."),
    ),
    (
        "more-than-ten",
        "update_pipeline_version",
        {
            "PipelineVersionId": 1,
            "PipelineVersionAliasOperations": {"Add": [f"a{i}" for i in range(10)]},
        },
        (
            "ValidationException",
            "A pipeline version can have at most 10 aliases; this request would give it 11.",
        ),
    ),
    (
        "unknown-version",
        "update_pipeline_version",
        {"PipelineVersionId": 9},
        (
            "ResourceNotFound",
            "Pipeline version 9 of pipeline 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/ab' "
            "does not exist.",
        ),
    ),
    (
        "aliases-on-an-update-without-a-new-definition",
        "update_pipeline",
        {"PipelineDescription": "text only", "PipelineVersionAliases": ["third"]},
        (
            "ValidationException",
            "PipelineVersionAliases can be specified only when the update changes the pipeline "
            "definition; use UpdatePipelineVersion to change the aliases of an existing version.",
        ),
    ),
    (
        "update-reusing-an-alias",
        "update_pipeline",
        {"PipelineDefinition": definition(job("Third")), "PipelineVersionAliases": ["champion"]},
        (
            "ValidationException",
            "Pipeline version alias 'champion' is already assigned to version 1 of pipeline "
            "'arn:aws:sagemaker:us-east-1:123456789012:pipeline/ab'; remove it from that version first.",
        ),
    ),
    (
        "start-with-id-and-alias",
        "start_pipeline_execution",
        {"PipelineVersionId": 1, "PipelineVersionAlias": "champion", "ClientRequestToken": token()},
        ("ValidationException", "Specify either PipelineVersionId or PipelineVersionAlias, not both."),
    ),
    (
        "start-with-an-unknown-alias",
        "start_pipeline_execution",
        {"PipelineVersionAlias": "ghost", "ClientRequestToken": token()},
        (
            "ResourceNotFound",
            "Pipeline version alias 'ghost' of pipeline "
            "'arn:aws:sagemaker:us-east-1:123456789012:pipeline/ab' does not exist.",
        ),
    ),
    (
        "list-executions-of-an-unknown-alias",
        "list_pipeline_executions",
        {"PipelineVersionAlias": "ghost"},
        (
            "ResourceNotFound",
            "Pipeline version alias 'ghost' of pipeline "
            "'arn:aws:sagemaker:us-east-1:123456789012:pipeline/ab' does not exist.",
        ),
    ),
]


@pytest.mark.parametrize(
    ("operation", "kwargs", "expected"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_alias_requests_the_service_refuses_change_nothing(
    sagemaker_client: Any, operation: str, kwargs: dict[str, Any], expected: tuple[str, str]
) -> None:
    arn = two_versions(sagemaker_client)
    target = {"PipelineArn": arn} if operation == "update_pipeline_version" else {"PipelineName": "ab"}
    before = sagemaker_client.list_pipeline_versions(PipelineName="ab")["PipelineVersionSummaries"]
    with pytest.raises(ClientError) as caught:
        getattr(sagemaker_client, operation)(**target, **kwargs)
    assert error_of(caught) == expected
    after = sagemaker_client.list_pipeline_versions(PipelineName="ab")["PipelineVersionSummaries"]
    assert after == before
    assert sagemaker_client.list_pipeline_executions(PipelineName="ab")["PipelineExecutionSummaries"] == []


def test_mlflow_experiment_name_is_shown_with_the_definitions_tracking_server(sagemaker_client: Any) -> None:
    server = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/shared"
    body = definition(job("Train"))[:-1] + f', "MlflowConfig": {{"MlflowResourceArn": "{server}"}}}}'
    sagemaker_client.create_pipeline(
        PipelineName="tracked",
        PipelineDefinition=body,
        RoleArn=job("x")["Arguments"]["RoleArn"],
        ClientRequestToken=token(),
    )
    arn = pinned_start(sagemaker_client, "tracked", MlflowExperimentName="churn-challenger")
    described = sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert described["MLflowConfig"] == {
        "MlflowResourceArn": server,
        "MlflowExperimentName": "churn-challenger",
    }
    untracked = pinned_start(sagemaker_client, "tracked")
    assert sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=untracked)["MLflowConfig"] == {
        "MlflowResourceArn": server
    }

"""Conformance of the emulator's pipeline operations, through a real boto3 client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.pipelines import ROLE, create, definition, job, start, token, wait

SAMPLE = (Path(__file__).parents[1] / "data" / "definitions" / "deploy-if-better.json").read_text()


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_then_describe_returns_what_was_sent(sagemaker_client: Any) -> None:
    arn = sagemaker_client.create_pipeline(
        PipelineName="churn-retrain",
        PipelineDisplayName="Churn-retrain",
        PipelineDescription="Weekly retraining",
        PipelineDefinition=SAMPLE,
        RoleArn=ROLE,
        ClientRequestToken=token(),
        ParallelismConfiguration={"MaxParallelExecutionSteps": 4},
        Tags=[{"Key": "team", "Value": "mlops"}],
    )["PipelineArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-retrain"
    described = sagemaker_client.describe_pipeline(PipelineName="churn-retrain")
    assert described["PipelineArn"] == arn
    assert described["PipelineDefinition"] == SAMPLE
    assert described["PipelineDisplayName"] == "Churn-retrain"
    assert described["PipelineDescription"] == "Weekly retraining"
    assert described["RoleArn"] == ROLE
    assert described["PipelineStatus"] == "Active"
    assert described["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 4}
    assert described["CreationTime"] == described["LastModifiedTime"]
    assert "LastRunTime" not in described


def test_describe_by_arn_and_by_name_in_another_case(sagemaker_client: Any) -> None:
    arn = create(sagemaker_client, "Fraud-Model", job("Score"))
    assert sagemaker_client.describe_pipeline(PipelineName=arn)["PipelineName"] == "Fraud-Model"
    assert sagemaker_client.describe_pipeline(PipelineName="fraud-model")["PipelineArn"] == arn


def test_duplicate_name_is_refused_with_the_services_message(sagemaker_client: Any) -> None:
    create(sagemaker_client, "dup", job("A"))
    with pytest.raises(ClientError) as caught:
        create(sagemaker_client, "dup", job("B"))
    assert error_of(caught) == (
        "ValidationException",
        "Pipeline names must be unique within an AWS account and region. "
        "Pipeline with name (dup) already exists.",
    )


@pytest.mark.parametrize(
    "operation",
    [
        "describe_pipeline",
        "delete_pipeline",
        "update_pipeline",
        "list_pipeline_versions",
        "list_pipeline_executions",
    ],
)
def test_unknown_pipeline_is_resource_not_found(sagemaker_client: Any, operation: str) -> None:
    kwargs: dict[str, Any] = {"PipelineName": "missing"}
    if operation == "delete_pipeline":
        kwargs["ClientRequestToken"] = token()
    with pytest.raises(ClientError) as caught:
        getattr(sagemaker_client, operation)(**kwargs)
    assert error_of(caught) == (
        "ResourceNotFound",
        "Pipeline 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/missing' does not exist.",
    )


def test_update_creates_a_version_only_when_the_definition_changes(sagemaker_client: Any) -> None:
    create(sagemaker_client, "versions", job("A"))
    same_reformatted = json.dumps(json.loads(definition(job("A"))), indent=4)
    update = sagemaker_client.update_pipeline(
        PipelineName="versions", PipelineDefinition=same_reformatted, PipelineDescription="only text"
    )
    assert update["PipelineVersionId"] == 1
    update = sagemaker_client.update_pipeline(
        PipelineName="versions", PipelineDefinition=definition(job("B"))
    )
    assert update["PipelineVersionId"] == 2
    old = sagemaker_client.describe_pipeline(PipelineName="versions", PipelineVersionId=1)
    assert json.loads(old["PipelineDefinition"])["Steps"][0]["Name"] == "A"
    current = sagemaker_client.describe_pipeline(PipelineName="versions")
    assert json.loads(current["PipelineDefinition"])["Steps"][0]["Name"] == "B"
    assert current["PipelineDescription"] == "only text"
    versions = sagemaker_client.list_pipeline_versions(PipelineName="versions")["PipelineVersionSummaries"]
    assert [v["PipelineVersionId"] for v in versions] == [2, 1]
    with pytest.raises(ClientError) as caught:
        sagemaker_client.describe_pipeline(PipelineName="versions", PipelineVersionId=3)
    assert error_of(caught)[0] == "ResourceNotFound"


def test_last_execution_is_recorded_on_the_version(sagemaker_client: Any) -> None:
    create(sagemaker_client, "runs", job("A"))
    arn = start(sagemaker_client, "runs")
    versions = sagemaker_client.list_pipeline_versions(PipelineName="runs")["PipelineVersionSummaries"]
    assert versions[0]["LastExecutionPipelineExecutionArn"] == arn
    assert "LastRunTime" in sagemaker_client.describe_pipeline(PipelineName="runs")


INVALID_DEFINITIONS = [
    ("not-json", "{not json", "Invalid pipeline definition: not valid JSON: Expecting property name"),
    (
        "unknown-version",
        json.dumps({"Version": "2019-01-01", "Steps": [job("A")]}),
        "Invalid pipeline definition: Version: unsupported Version '2019-01-01' (supported: 2020-12-01)",
    ),
    (
        "duplicate-steps",
        definition(job("A"), job("A")),
        "Invalid pipeline definition: step 'A': Name: duplicate step name 'A' (also at Steps[0])",
    ),
    (
        "depends-on-missing",
        definition(job("A", depends_on=["Ghost"])),
        "Invalid pipeline definition: step 'A': DependsOn[0]: no step named 'Ghost'",
    ),
    (
        "get-missing-step",
        definition(job("A", reads="Ghost")),
        "Invalid pipeline definition: step 'A': Arguments.Input.Get: no step named 'Ghost'",
    ),
    (
        "get-missing-parameter",
        definition({"Name": "A", "Type": "Processing", "Arguments": {"X": {"Get": "Parameters.Nope"}}}),
        "Invalid pipeline definition: step 'A': Arguments.X.Get: no parameter named 'Nope'",
    ),
    (
        "cycle",
        definition(job("A", reads="B"), job("B", depends_on=["A"])),
        "Invalid pipeline definition: Steps: dependency cycle: A -> B -> A",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), [d[1:] for d in INVALID_DEFINITIONS], ids=[d[0] for d in INVALID_DEFINITIONS]
)
def test_invalid_definition_is_a_validation_exception_naming_the_problem(
    sagemaker_client: Any, text: str, message: str
) -> None:
    with pytest.raises(ClientError) as caught:
        sagemaker_client.create_pipeline(
            PipelineName="bad", PipelineDefinition=text, RoleArn=ROLE, ClientRequestToken=token()
        )
    code, actual = error_of(caught)
    assert code == "ValidationException"
    assert actual.startswith(message)
    with pytest.raises(ClientError):
        sagemaker_client.describe_pipeline(PipelineName="bad")


def test_oversize_definition_fails_the_length_constraint_and_the_server_keeps_serving(
    sagemaker_client: Any,
) -> None:
    huge = json.dumps({"Version": "2020-12-01", "Metadata": {"x": "y" * 1_048_576}, "Steps": [job("A")]})
    with pytest.raises(ClientError) as caught:
        sagemaker_client.create_pipeline(
            PipelineName="huge", PipelineDefinition=huge, RoleArn=ROLE, ClientRequestToken=token()
        )
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert message.startswith('1 validation error detected: Value \'{"Version"')
    assert message.endswith(
        "at 'pipelineDefinition' failed to satisfy constraint: "
        "Member must have length less than or equal to 1048576"
    )
    assert sagemaker_client.list_pipelines()["PipelineSummaries"] == []


def test_definition_from_s3_is_refused_honestly(sagemaker_client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sagemaker_client.create_pipeline(
            PipelineName="s3",
            RoleArn=ROLE,
            ClientRequestToken=token(),
            PipelineDefinitionS3Location={"Bucket": "my-bucket", "ObjectKey": "pipeline.json"},
        )
    assert error_of(caught)[1].startswith("PipelineDefinitionS3Location is not supported by this emulator")


def test_create_is_idempotent_per_client_request_token(sagemaker_client: Any) -> None:
    request = {
        "PipelineName": "idem",
        "PipelineDefinition": definition(job("A")),
        "RoleArn": ROLE,
        "ClientRequestToken": token(),
    }
    first = sagemaker_client.create_pipeline(**request)["PipelineArn"]
    assert sagemaker_client.create_pipeline(**request)["PipelineArn"] == first
    with pytest.raises(ClientError) as caught:
        sagemaker_client.create_pipeline(**{**request, "PipelineDescription": "changed"})
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert "was already used with different parameters" in message


def test_delete_is_refused_while_an_execution_runs_then_allowed(sagemaker_client: Any, emulator: Any) -> None:
    emulator.configure(step_seconds=30)
    create(sagemaker_client, "busy", job("Long"))
    arn = start(sagemaker_client, "busy")
    with pytest.raises(ClientError) as caught:
        sagemaker_client.delete_pipeline(PipelineName="busy", ClientRequestToken=token())
    assert error_of(caught) == (
        "ConflictException",
        "Pipeline 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/busy' has 1 execution(s) in progress; "
        "stop them before deleting the pipeline.",
    )
    emulator.configure(stop_seconds=0.01)
    sagemaker_client.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=token())
    wait(sagemaker_client, arn, ("Stopped",))
    delete_token = token()
    deleted = sagemaker_client.delete_pipeline(PipelineName="busy", ClientRequestToken=delete_token)
    assert deleted["PipelineArn"].endswith(":pipeline/busy")
    again = sagemaker_client.delete_pipeline(PipelineName="busy", ClientRequestToken=delete_token)
    assert again["PipelineArn"] == deleted["PipelineArn"]
    with pytest.raises(ClientError) as caught:
        sagemaker_client.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert error_of(caught)[0] == "ResourceNotFound"


def test_list_pipelines_filters_sorts_and_pages(sagemaker_client: Any) -> None:
    for index in range(25):
        create(sagemaker_client, f"team-a-{index:02d}", job("A"))
    create(sagemaker_client, "other", job("A"))
    paginator = sagemaker_client.get_paginator("list_pipelines")
    pages = list(
        paginator.paginate(
            PipelineNamePrefix="team-a",
            SortBy="Name",
            SortOrder="Ascending",
            PaginationConfig={"PageSize": 10},
        )
    )
    assert [len(p["PipelineSummaries"]) for p in pages] == [10, 10, 5]
    names = [s["PipelineName"] for p in pages for s in p["PipelineSummaries"]]
    assert names == [f"team-a-{index:02d}" for index in range(25)]
    newest_first = sagemaker_client.list_pipelines(MaxResults=2)["PipelineSummaries"]
    assert [s["PipelineName"] for s in newest_first] == ["other", "team-a-24"]
    default_page = sagemaker_client.list_pipelines()
    assert len(default_page["PipelineSummaries"]) == 10
    assert "NextToken" in default_page


def test_next_token_from_another_query_is_refused(sagemaker_client: Any) -> None:
    for index in range(3):
        create(sagemaker_client, f"p{index}", job("A"))
    next_token = sagemaker_client.list_pipelines(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as caught:
        sagemaker_client.list_pipelines(MaxResults=1, NextToken=next_token, SortBy="Name")
    assert error_of(caught) == (
        "ValidationException",
        "Invalid pagination token: NextToken belongs to a different request",
    )
    with pytest.raises(ClientError) as caught:
        sagemaker_client.list_pipelines(NextToken="garbage")
    assert error_of(caught)[0] == "ValidationException"


def test_tags_are_added_listed_and_deleted(sagemaker_client: Any) -> None:
    arn = create(sagemaker_client, "tagged", job("A"), Tags=[{"Key": "owner", "Value": "smpo"}])
    sagemaker_client.add_tags(
        ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "owner", "Value": "x"}]
    )
    assert sagemaker_client.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "owner", "Value": "x"},
        {"Key": "env", "Value": "dev"},
    ]
    sagemaker_client.delete_tags(ResourceArn=arn, TagKeys=["owner", "absent"])
    assert sagemaker_client.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    execution = start(sagemaker_client, "tagged")
    sagemaker_client.add_tags(ResourceArn=execution, Tags=[{"Key": "run", "Value": "1"}])
    assert sagemaker_client.list_tags(ResourceArn=execution)["Tags"] == [{"Key": "run", "Value": "1"}]


def test_tag_limits_and_reserved_prefix(sagemaker_client: Any) -> None:
    arn = create(sagemaker_client, "limits", job("A"))
    with pytest.raises(ClientError) as caught:
        sagemaker_client.add_tags(ResourceArn=arn, Tags=[{"Key": "aws:owner", "Value": "me"}])
    assert error_of(caught) == ("ValidationException", "Tag key 'aws:owner' uses the reserved prefix 'aws:'.")
    sagemaker_client.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(ClientError) as caught:
        sagemaker_client.add_tags(ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}])
    assert error_of(caught) == (
        "ValidationException",
        "A resource can have at most 50 tags; this request would make 51.",
    )
    pages = list(
        sagemaker_client.get_paginator("list_tags").paginate(
            ResourceArn=arn, PaginationConfig={"PageSize": 50}
        )
    )
    assert sum(len(p["Tags"]) for p in pages) == 50
    with pytest.raises(ClientError) as caught:
        sagemaker_client.list_tags(ResourceArn=arn.replace("limits", "nope"))
    assert error_of(caught)[0] == "ValidationException"

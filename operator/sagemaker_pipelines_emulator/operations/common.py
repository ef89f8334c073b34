"""Helpers shared by the operation handlers: lookups with SageMaker's not-found errors,
ClientRequestToken idempotency, timestamps, tags and definition loading."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sagemaker_pipelines_emulator import errors
from sagemaker_pipelines_emulator.directives import DirectiveError
from sagemaker_pipelines_emulator.plan import ExecutionPlan, build_plan
from sagemaker_pipelines_emulator.s3_definitions import read_s3_definition
from sagemaker_pipelines_emulator.service import Context
from sagemaker_pipelines_emulator.state import IdempotencyRecord, Pipeline, pipeline_arn
from sagemaker_pipelines_operator.definition.canonical import canonical_json
from sagemaker_pipelines_operator.definition.errors import DefinitionError
from sagemaker_pipelines_operator.definition.parse import parse_definition
from sagemaker_pipelines_operator.definition.validate import validate_definition

Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]
MAX_TAGS = 50
_SHOWN_PROBLEMS = 20


def find_pipeline(ctx: Context, name_or_arn: str) -> Pipeline:
    pipeline = ctx.state.pipeline(name_or_arn)
    if pipeline is None:
        shown = (
            name_or_arn
            if name_or_arn.startswith("arn:")
            else pipeline_arn(ctx.region, ctx.account, name_or_arn)
        )
        raise errors.not_found(f"Pipeline '{shown}' does not exist.")
    return pipeline


def find_execution(ctx: Context, arn: str | None) -> Any:
    if not arn:
        raise errors.validation(
            "1 validation error detected: Value null at 'pipelineExecutionArn' failed to "
            "satisfy constraint: Member must not be null"
        )
    execution = ctx.state.executions.get(arn.lower())
    if execution is None:
        raise errors.not_found(f"Pipeline execution '{arn}' does not exist.")
    return execution


def replayed(ctx: Context, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The first response for a reused ClientRequestToken, or None for a new token.

    The same token with a different request is refused, as SageMaker does.
    """
    token = params.get("ClientRequestToken")
    if not token:
        return None
    record = ctx.state.idempotency.get((operation, token))
    if record is None:
        return None
    if record.fingerprint != _fingerprint(params):
        raise errors.validation(
            f"ClientRequestToken '{token}' was already used with different parameters in a previous "
            f"{operation} request."
        )
    return record.response


def remember(
    ctx: Context, operation: str, params: dict[str, Any], response: dict[str, Any]
) -> dict[str, Any]:
    token = params.get("ClientRequestToken")
    if token:
        ctx.state.idempotency[(operation, token)] = IdempotencyRecord(_fingerprint(params), response)
    return response


def _fingerprint(params: dict[str, Any]) -> str:
    return canonical_json({key: value for key, value in params.items() if key != "ClientRequestToken"})


def epoch(value: object) -> float:
    """A request timestamp (epoch seconds, or ISO 8601 from hand-written clients) as epoch seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise errors.serialization(f"Cannot read timestamp {text!r}") from None


def within(created: float, params: dict[str, Any]) -> bool:
    after, before = params.get("CreatedAfter"), params.get("CreatedBefore")
    return (after is None or created > epoch(after)) and (before is None or created < epoch(before))


def checked_tags(current: dict[str, str], new: list[dict[str, str]]) -> dict[str, str]:
    merged = dict(current)
    for tag in new:
        if tag["Key"].lower().startswith("aws:"):
            raise errors.validation(f"Tag key '{tag['Key']}' uses the reserved prefix 'aws:'.")
        merged[tag["Key"]] = tag["Value"]
    if len(merged) > MAX_TAGS:
        raise errors.validation(
            f"A resource can have at most {MAX_TAGS} tags; this request would make {len(merged)}."
        )
    return merged


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def load_definition(params: dict[str, Any]) -> tuple[str, ExecutionPlan] | None:
    """The definition text of a Create/UpdatePipeline request and its plan; None when none was sent."""
    location = params.get("PipelineDefinitionS3Location")
    text = read_s3_definition(location) if location is not None else params.get("PipelineDefinition")
    if text is None:
        return None
    try:
        definition = parse_definition(text, allow_yaml=False)
    except DefinitionError as exc:
        raise errors.validation(f"Invalid pipeline definition: {exc}") from None
    problems = validate_definition(definition)
    if problems:
        shown = "; ".join(str(problem) for problem in problems[:_SHOWN_PROBLEMS])
        more = f" (and {len(problems) - _SHOWN_PROBLEMS} more)" if len(problems) > _SHOWN_PROBLEMS else ""
        raise errors.validation(f"Invalid pipeline definition: {shown}{more}")
    try:
        return text, build_plan(definition)
    except DirectiveError as exc:
        raise errors.validation(f"Invalid pipeline definition: {exc}") from None


def compact(body: dict[str, Any]) -> dict[str, Any]:
    """The response without members that have no value, as the service omits them."""
    return {key: value for key, value in body.items() if value is not None}

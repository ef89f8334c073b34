"""The emulator's rules: how long a step takes, whether it fails, what it publishes, and the
Metadata (job ARNs) it shows. Outcomes come from the definition itself (see docs/emulator.md):

- `emulator:fail` / `emulator:fail=N` in a step's Description: fail always / the first N attempts;
- `emulator:seconds=S`: the step takes S seconds;
- `emulator:out.<key>=<value>`: on success the step publishes <key> (a JsonGet Path, a property
  path such as `FinalMetricDataList['auc'].Value`, or a Lambda output name); `$Param` takes the
  value of an execution parameter;
- execution parameter `EmulatorFailSteps` = "StepA,StepB:1" fails those steps (all / first N attempts);
- a step whose name matches the config's `fail_step_pattern` fails;
- outcome rules by pipeline and step name (outcome_rules.py), which override the directives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sagemaker_pipelines_emulator.config import EmulatorConfig
from sagemaker_pipelines_emulator.directives import DirectiveError
from sagemaker_pipelines_emulator.ids import random_id
from sagemaker_pipelines_emulator.outcome_rules import StepOutcome
from sagemaker_pipelines_emulator.plan import StepSpec
from sagemaker_pipelines_emulator.state import Execution, StepRun
from sagemaker_pipelines_operator.definition.parameters import format_value, parse_value

FAIL_STEPS_PARAMETER = "EmulatorFailSteps"
EMULATED_EXCEPTION = "SageMaker.JOB_INTERNAL_ERROR"
QUICK_TYPES = frozenset({"Condition", "Fail"})
# Share of a step's duration spent in Starting before it shows Executing.
STARTING_SHARE = 0.2
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_JOB_PREFIXES = {
    "Training": ("TrainingJob", "training-job"),
    "Processing": ("ProcessingJob", "processing-job"),
    "Transform": ("TransformJob", "transform-job"),
    "Tuning": ("TuningJob", "hyper-parameter-tuning-job"),
    "AutoML": ("AutoMLJob", "automl-job"),
    "Model": ("Model", "model"),
    "Endpoint": ("Endpoint", "endpoint"),
    "EndpointConfig": ("EndpointConfig", "endpoint-config"),
    "InferenceComponent": ("InferenceComponent", "inference-component"),
}
_BEDROCK = (
    "BedrockCustomModel",
    "BedrockCustomModelDeployment",
    "BedrockProvisionedModelThroughput",
    "BedrockModelImport",
)


def step_duration(spec: StepSpec, config: EmulatorConfig, rule: StepOutcome | None = None) -> float:
    if rule is not None and rule.seconds is not None:
        return rule.seconds
    if spec.directives.seconds is not None:
        return spec.directives.seconds
    if spec.type in config.step_seconds_by_type:
        return config.step_seconds_by_type[spec.type]
    if spec.type in QUICK_TYPES:
        return config.step_seconds * config.quick_step_fraction
    return config.step_seconds


def failure_reason(
    spec: StepSpec,
    execution: Execution,
    attempt: int,
    config: EmulatorConfig,
    rule: StepOutcome | None = None,
) -> str | None:
    """Why this attempt of a working step fails under the emulator's rules, or None."""
    ruled = rule.failed_attempts() if rule is not None else None
    if rule is not None and ruled is not None:
        if ruled == 0 or 0 < ruled < attempt:
            return None
        return rule.failure_message or (
            f"Emulated failure: an outcome rule fails step '{spec.name}' (attempt {attempt})"
        )
    fail = spec.directives.fail_attempts
    if fail is not None and (fail < 0 or attempt <= fail):
        return (
            f"Emulated failure: step '{spec.name}' has 'emulator:fail' in its Description (attempt {attempt})"
        )
    for item in execution.parameters.get(FAIL_STEPS_PARAMETER, "").split(","):
        name, _, limit = item.strip().partition(":")
        if name in (spec.name, "*") and (not limit.strip().isdigit() or attempt <= int(limit)):
            return f"Emulated failure: step '{spec.name}' is listed in parameter {FAIL_STEPS_PARAMETER}"
    if config.fail_step_pattern and re.search(config.fail_step_pattern, spec.name):
        pattern = config.fail_step_pattern
        return f"Emulated failure: step name '{spec.name}' matches fail_step_pattern '{pattern}'"
    return None


def retried_by_policy(spec: StepSpec, attempt: int) -> bool:
    """Whether a RetryPolicy of the step retries an emulated failure after `attempt` attempts.

    Emulated failures count as `SageMaker.JOB_INTERNAL_ERROR`; MaxAttempts is the number of retries.
    """
    policies = spec.body.get("RetryPolicies")
    for policy in policies if isinstance(policies, list) else []:
        if not isinstance(policy, Mapping) or EMULATED_EXCEPTION not in (policy.get("ExceptionType") or []):
            continue
        retries = policy.get("MaxAttempts", 1)
        if isinstance(retries, int) and attempt <= retries:
            return True
    return False


def typed_parameter(execution: Execution, name: str) -> str | int | float | bool:
    declared = {p.name: p.type for p in execution.plan.declared}
    return parse_value(declared.get(name, "String"), execution.parameters[name])


def published_outputs(
    spec: StepSpec, execution: Execution, rule: StepOutcome | None = None
) -> dict[str, Any]:
    outputs = _directive_outputs(spec, execution)
    if rule is not None:
        outputs |= rule.outputs
    return outputs


def _directive_outputs(spec: StepSpec, execution: Execution) -> dict[str, Any]:
    outputs: dict[str, Any] = {}
    for key, raw in spec.directives.outputs:
        if raw.startswith("$"):
            name = raw[1:]
            if name not in execution.parameters:
                raise DirectiveError(
                    f"emulator:out.{key} reads parameter '{name}', which this execution lacks"
                )
            outputs[key] = typed_parameter(execution, name)
        elif _NUMBER.fullmatch(raw):
            outputs[key] = float(raw) if any(c in raw for c in ".eE") else int(raw)
        elif raw in ("true", "false"):
            outputs[key] = raw == "true"
        else:
            outputs[key] = raw
    return outputs


def _job_name(execution: Execution, step: str) -> str:
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", step).strip("-").lower()[:36] or "step"
    return f"pipelines-{execution.execution_id}-{slug}"


def step_metadata(spec: StepSpec, execution: Execution, region: str, account: str) -> dict[str, Any]:  # noqa: PLR0911 (one return per step type)
    """The Metadata SageMaker shows for a started step: the job or resource it created."""
    prefix = f"arn:aws:sagemaker:{region}:{account}"
    name = _job_name(execution, spec.name)
    arguments = spec.body.get("Arguments")
    arguments = arguments if isinstance(arguments, Mapping) else {}
    if spec.type in _JOB_PREFIXES:
        key, resource = _JOB_PREFIXES[spec.type]
        return {key: {"Arn": f"{prefix}:{resource}/{name}"}}
    if spec.type == "RegisterModel":
        group = arguments.get("ModelPackageGroupName")
        group = group if isinstance(group, str) else "emulator-model-group"
        return {"RegisterModel": {"Arn": f"{prefix}:model-package/{group.lower()}/{len(execution.runs)}"}}
    if spec.type in ("QualityCheck", "ClarifyCheck"):
        check = {
            "CheckJobArn": f"{prefix}:processing-job/{name}",
            "SkipCheck": False,
            "RegisterNewBaseline": False,
        }
        return {spec.type: check}
    if spec.type == "EMR":
        upper = random_id(13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return {"EMR": {"ClusterId": f"j-{upper}", "StepId": f"s-{upper[::-1]}", "StepName": spec.name}}
    if spec.type == "EMRServerless":
        return {
            "EMRServerless": {"ApplicationId": random_id(16), "JobRunId": random_id(16), "JobRunName": name}
        }
    if spec.type == "Lambda":
        function = spec.body.get("FunctionArn")
        arn = function if isinstance(function, str) else f"arn:aws:lambda:{region}:{account}:function:{name}"
        return {"Lambda": {"Arn": arn}}
    if spec.type in _BEDROCK:
        return {spec.type: {"Arn": f"arn:aws:bedrock:{region}:{account}:custom-model/{name}"}}
    if spec.type == "Lineage":
        return {"Lineage": {}}
    return _sdk3_metadata(spec.type, arguments, prefix, name)


def _text(arguments: Mapping[str, Any], key: str, default: str) -> str:
    value = arguments.get(key)
    return value if isinstance(value, str) and value else default


def _sdk3_metadata(step_type: str, arguments: Mapping[str, Any], prefix: str, name: str) -> dict[str, Any]:
    """Metadata of the step types botocore 1.44 added: Job, Athena, Cleanup, HubContent."""
    if step_type == "Job":
        category = re.sub(r"[^a-zA-Z0-9]", "", _text(arguments, "JobCategory", "job")) or "job"
        return {"Job": {"Arn": f"{prefix}:job/{category}/{name}"}}
    if step_type == "Athena":
        query = f"{random_id(8)}-{random_id(4)}-{random_id(4)}-{random_id(4)}-{random_id(12)}"
        athena: dict[str, Any] = {"QueryExecutionId": query}
        result = arguments.get("ResultConfiguration")
        location = result.get("OutputLocation") if isinstance(result, Mapping) else None
        if isinstance(location, str):  # absent with Athena managed query results
            athena["S3OutputLocation"] = f"{location.rstrip('/')}/{query}.csv"
        return {"Athena": athena}
    if step_type == "Cleanup":
        resources = arguments.get("Resources")
        sources = resources.get("S3") if isinstance(resources, Mapping) else None
        cleaned = [str(s["StepName"]) for s in sources or [] if isinstance(s, Mapping) and "StepName" in s]
        return {"Cleanup": {"CleanedSteps": cleaned, "FailedSteps": [], "SkippedSteps": []}}
    if step_type == "HubContent":
        hub = _text(arguments, "HubName", "emulator-hub")
        content = f"{_text(arguments, 'HubContentType', 'Model')}/{_text(arguments, 'HubContentName', name)}"
        return {
            "HubContent": {
                "HubArn": f"{prefix}:hub/{hub}",
                "HubContentArn": f"{prefix}:hub-content/{hub}/{content}/1",
            }
        }
    return {}


def format_output(value: object) -> str:
    """An output value as an OutputParameter string."""
    return value if isinstance(value, str) else format_value(value)


def lambda_outputs(run: StepRun) -> None:
    """A Lambda step shows its outputs in its Metadata, as SageMaker does."""
    if run.type == "Lambda" and run.outputs:
        outputs = [{"Name": key, "Value": format_output(v)} for key, v in run.outputs.items()]
        run.metadata.setdefault("Lambda", {})["OutputParameters"] = outputs

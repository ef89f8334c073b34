"""An SDK 3.x (sagemaker-mlops) pipeline with a ForEach fan-out, as a new user writes it: score
every region of a JSON list parameter, at most 2 at a time, pick the best, report, delete the
report's files, and fail unless every iteration succeeded.

Render it with the `sdk3` extra: smpo render tests/data/sdk3/per_region.py:pipeline --role-arn ...
"""

from __future__ import annotations

from sagemaker.core.lambda_helper import Lambda
from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo
from sagemaker.core.workflow.parameters import ParameterString
from sagemaker.mlops.workflow.cleanup_step import CleanupStep, S3CleanupSource
from sagemaker.mlops.workflow.condition_step import ConditionStep
from sagemaker.mlops.workflow.fail_step import FailStep
from sagemaker.mlops.workflow.for_each_step import CurrentItem, ForEachSelector, ForEachStep, IterationOutput
from sagemaker.mlops.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep
from sagemaker.mlops.workflow.pipeline import Pipeline

ACCOUNT = "111122223333"
REGIONS = ParameterString("Regions", default_value='["us-east-1", "eu-west-1", "ap-south-1"]')

score = LambdaStep(
    name="ScoreRegion",
    lambda_func=Lambda(function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:score-region"),
    inputs={"region": CurrentItem()},
    outputs=[LambdaOutput(output_name="score", output_type=LambdaOutputTypeEnum.Float)],
)
publish = LambdaStep(
    name="PublishRegion",
    lambda_func=Lambda(function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:publish-region"),
    inputs={"region": CurrentItem(), "score": score.properties.Outputs["score"]},
    depends_on=[score],
)
per_region = ForEachStep(
    name="PerRegion",
    iterable_items=REGIONS,
    max_concurrency=2,
    for_each_body=[score, publish],
    selector=ForEachSelector("MaxBy", IterationOutput(score).OutputParameters["score"]),
)
report = LambdaStep(
    name="Report",
    lambda_func=Lambda(function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:report"),
    inputs={
        "succeeded": per_region.properties.SucceededStepCount,
        "best": per_region.properties.Selected.OutputParameters["score"],
    },
    depends_on=[per_region],
)

clean = CleanupStep(
    name="CleanReport",
    s3_sources=[S3CleanupSource(report, s3_uris=["s3://acme-reports/per-region/latest.json"])],
)
all_scored = ConditionStep(
    name="AllScored",
    conditions=[ConditionGreaterThanOrEqualTo(left=per_region.properties.SucceededStepCount, right=6)],
    else_steps=[FailStep(name="SomeRegionsFailed", error_message="not every region was scored")],
)

pipeline = Pipeline(
    name="PerRegionScores", parameters=[REGIONS], steps=[per_region, report, clean, all_scored]
)

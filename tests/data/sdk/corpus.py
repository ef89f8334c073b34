"""One SageMaker SDK pipeline per step type the SDK offers, plus the expressions it generates
(JsonGet, Join, ExecutionVariables, Not/Or/In, retry policies, caching). Run as a script it writes
{pipeline name: definition} as JSON to the file named, with AWS answered offline as `smpo render`
does (the SDK prints notices on stdout when imported, so stdout is no place for the JSON)."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from sagemaker.automl.automl import AutoML, AutoMLInput
from sagemaker.clarify import BiasConfig, DataConfig
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.lambda_helper import Lambda
from sagemaker.model import Model
from sagemaker.model_monitor.dataset_format import DatasetFormat
from sagemaker.processing import ProcessingOutput, Processor
from sagemaker.transformer import Transformer
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner
from sagemaker.workflow.automl_step import AutoMLStep
from sagemaker.workflow.callback_step import CallbackOutput, CallbackOutputTypeEnum, CallbackStep
from sagemaker.workflow.check_job_config import CheckJobConfig
from sagemaker.workflow.clarify_check_step import ClarifyCheckStep, DataBiasCheckConfig
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import (
    ConditionEquals,
    ConditionGreaterThan,
    ConditionIn,
    ConditionLessThanOrEqualTo,
    ConditionNot,
    ConditionOr,
)
from sagemaker.workflow.emr_step import EMRStep, EMRStepConfig
from sagemaker.workflow.execution_variables import ExecutionVariables
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.notebook_job_step import NotebookJobStep
from sagemaker.workflow.parameters import ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep
from sagemaker.workflow.retry import (
    SageMakerJobExceptionTypeEnum,
    SageMakerJobStepRetryPolicy,
    StepExceptionTypeEnum,
    StepRetryPolicy,
)
from sagemaker.workflow.steps import CacheConfig, ProcessingStep, TrainingStep, TransformStep, TuningStep

ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
BUCKET = "acme-ml-artifacts"
HERE = Path(__file__).parent


def session() -> PipelineSession:
    return PipelineSession(default_bucket=BUCKET)


def processing_step(s: PipelineSession, name: str, **kwargs: object) -> ProcessingStep:
    processor = Processor(
        role=ROLE,
        image_uri=IMAGE,
        entrypoint=["python3", "/opt/program/run.py"],
        instance_count=1,
        instance_type="ml.m5.xlarge",
        sagemaker_session=s,
    )
    outputs = [ProcessingOutput(output_name="out", source="/opt/ml/processing/out")]
    return ProcessingStep(name=name, step_args=processor.run(outputs=outputs), **kwargs)


def estimator(s: PipelineSession) -> Estimator:
    return Estimator(
        image_uri=IMAGE, role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=s
    )


def training(s: PipelineSession) -> Pipeline:
    epochs = ParameterInteger("Epochs", default_value=10)
    est = estimator(s)
    est.set_hyperparameters(epochs=epochs)
    retry = SageMakerJobStepRetryPolicy(
        exception_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR], max_attempts=2, interval_seconds=1
    )
    train = TrainingStep(
        name="Train",
        step_args=est.fit(inputs={"train": TrainingInput(s3_data=f"s3://{BUCKET}/train/")}),
        cache_config=CacheConfig(enable_caching=True, expire_after="P30D"),
        retry_policies=[
            retry,
            StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING], max_attempts=3),
        ],
    )
    return Pipeline(name="CorpusTraining", parameters=[epochs], steps=[train], sagemaker_session=s)


def tuning(s: PipelineSession) -> Pipeline:
    tuner = HyperparameterTuner(
        estimator(s),
        objective_metric_name="validation:auc",
        hyperparameter_ranges={"eta": ContinuousParameter(0.01, 0.3)},
        metric_definitions=[{"Name": "validation:auc", "Regex": "auc:([0-9.]+)"}],
        max_jobs=4,
        max_parallel_jobs=2,
    )
    step = TuningStep(
        name="Tune", step_args=tuner.fit(inputs={"train": TrainingInput(f"s3://{BUCKET}/train/")})
    )
    best = step.get_top_model_s3_uri(top_k=0, s3_bucket=BUCKET)
    model = Model(image_uri=IMAGE, model_data=best, role=ROLE, sagemaker_session=s)
    create = ModelStep(name="BestModel", step_args=model.create(instance_type="ml.m5.large"))
    return Pipeline(name="CorpusTuning", steps=[step, create], sagemaker_session=s)


def transform(s: PipelineSession) -> Pipeline:
    model = Model(image_uri=IMAGE, model_data=f"s3://{BUCKET}/model.tar.gz", role=ROLE, sagemaker_session=s)
    create = ModelStep(name="CreateModel", step_args=model.create(instance_type="ml.m5.large"))
    transformer = Transformer(
        model_name=create.properties.ModelName,
        instance_count=1,
        instance_type="ml.m5.large",
        output_path=Join(
            on="/", values=[f"s3://{BUCKET}", ExecutionVariables.PIPELINE_EXECUTION_ID, "scores"]
        ),
        sagemaker_session=s,
    )
    batch = TransformStep(
        name="Score", step_args=transformer.transform(data=f"s3://{BUCKET}/batch/", content_type="text/csv")
    )
    return Pipeline(name="CorpusTransform", steps=[create, batch], sagemaker_session=s)


def register_gate(s: PipelineSession) -> Pipeline:
    threshold = ParameterFloat("MinAuc", default_value=0.8)
    stage = ParameterString("Stage", default_value="staging", enum_values=["staging", "prod"])
    force = ParameterBoolean("Force", default_value=False)
    report = PropertyFile(name="Report", output_name="out", path="evaluation.json")
    evaluate = processing_step(s, "Evaluate", property_files=[report])
    model = Model(image_uri=IMAGE, model_data=f"s3://{BUCKET}/model.tar.gz", role=ROLE, sagemaker_session=s)
    register = ModelStep(
        name="Register",
        step_args=model.register(
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=["ml.m5.large"],
            transform_instances=["ml.m5.large"],
            model_package_group_name="corpus",
            approval_status="Approved",
        ),
    )
    auc = JsonGet(step_name=evaluate.name, property_file=report, json_path="metrics.auc.value")
    fail = FailStep(
        name="Rejected",
        error_message=Join(
            on=" ", values=["AUC", auc, "is below", threshold, "in", ExecutionVariables.PIPELINE_NAME]
        ),
    )
    gate = ConditionStep(
        name="Gate",
        conditions=[
            ConditionOr(
                conditions=[
                    ConditionGreaterThan(left=auc, right=threshold),
                    ConditionEquals(left=force, right=True),
                ]
            ),
            ConditionNot(expression=ConditionLessThanOrEqualTo(left=auc, right=0.5)),
            ConditionIn(value=stage, in_values=["staging", "prod"]),
        ],
        if_steps=[register],
        else_steps=[fail],
    )
    return Pipeline(
        name="CorpusRegister",
        parameters=[threshold, stage, force],
        steps=[evaluate, gate],
        sagemaker_session=s,
    )


def lambda_and_callback(s: PipelineSession) -> Pipeline:
    score = LambdaStep(
        name="Score",
        lambda_func=Lambda(function_arn="arn:aws:lambda:us-east-1:123456789012:function:score", session=s),
        inputs={"run": ExecutionVariables.PIPELINE_EXECUTION_ARN},
        outputs=[LambdaOutput(output_name="rate", output_type=LambdaOutputTypeEnum.Float)],
    )
    approve = CallbackStep(
        name="Approve",
        sqs_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
        inputs={"rate": score.properties.Outputs["rate"]},
        outputs=[CallbackOutput(output_name="decision", output_type=CallbackOutputTypeEnum.String)],
    )
    gate = ConditionStep(
        name="Approved",
        conditions=[ConditionEquals(left=approve.properties.Outputs["decision"], right="yes")],
        if_steps=[processing_step(s, "Publish")],
        else_steps=[FailStep(name="NotApproved", error_message="the reviewer said no")],
    )
    return Pipeline(name="CorpusLambdaCallback", steps=[score, approve, gate], sagemaker_session=s)


def emr(s: PipelineSession) -> Pipeline:
    step = EMRStep(
        name="SparkJob",
        display_name="Spark features",
        description="Build features on EMR",
        cluster_id="j-1ABCDEFGHIJKL",
        step_config=EMRStepConfig(jar="command-runner.jar", args=["spark-submit", "s3://acme/job.py"]),
    )
    return Pipeline(name="CorpusEMR", steps=[step], sagemaker_session=s)


def checks(s: PipelineSession) -> Pipeline:
    check_job = CheckJobConfig(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=s)
    quality = QualityCheckStep(
        name="DataQuality",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=f"s3://{BUCKET}/baseline.csv",
            dataset_format=DatasetFormat.csv(header=True),
            output_s3_uri=f"s3://{BUCKET}/quality",
        ),
        check_job_config=check_job,
        skip_check=False,
        register_new_baseline=False,
    )
    bias = ClarifyCheckStep(
        name="DataBias",
        clarify_check_config=DataBiasCheckConfig(
            data_config=DataConfig(
                s3_data_input_path=f"s3://{BUCKET}/train.csv",
                s3_output_path=f"s3://{BUCKET}/bias",
                label="target",
                dataset_type="text/csv",
            ),
            data_bias_config=BiasConfig(label_values_or_threshold=[1], facet_name="age"),
        ),
        check_job_config=check_job,
        skip_check=False,
        register_new_baseline=False,
    )
    return Pipeline(name="CorpusChecks", steps=[quality, bias], sagemaker_session=s)


def automl(s: PipelineSession) -> Pipeline:
    job = AutoML(
        role=ROLE, target_attribute_name="churned", sagemaker_session=s, max_candidates=2, mode="ENSEMBLING"
    )
    step = AutoMLStep(
        name="AutoML",
        step_args=job.fit(
            inputs=AutoMLInput(inputs=f"s3://{BUCKET}/train.csv", target_attribute_name="churned")
        ),
    )
    return Pipeline(name="CorpusAutoML", steps=[step], sagemaker_session=s)


def notebook(s: PipelineSession) -> Pipeline:
    step = NotebookJobStep(
        name="Report",
        input_notebook=str(HERE / "code" / "report.ipynb"),
        image_uri="885854791233.dkr.ecr.us-east-1.amazonaws.com/sagemaker-distribution-prod:1-cpu",
        kernel_name="python3",
        role=ROLE,
        s3_root_uri=f"s3://{BUCKET}/notebooks",
        instance_type="ml.m5.large",
    )
    return Pipeline(name="CorpusNotebook", steps=[step], sagemaker_session=s)


BUILDERS = (training, tuning, transform, register_gate, lambda_and_callback, emr, checks, automl, notebook)


def definitions() -> dict[str, str]:
    found: dict[str, str] = {}
    for build in BUILDERS:
        pipeline = build(session())
        found[pipeline.name] = pipeline.definition()
    return found


if __name__ == "__main__":
    from sagemaker_pipelines_operator.cli.offline_aws import OfflineAws, offline

    with contextlib.redirect_stdout(sys.stderr), offline(OfflineAws("123456789012")):
        rendered = definitions()
    Path(sys.argv[1]).write_text(json.dumps(rendered))

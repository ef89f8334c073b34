"""One SageMaker SDK 3.x (sagemaker-mlops 1.27) pipeline per step type it offers, plus the run
conditions (`StepDependency`) it added. Run as a script in the SDK 3.x environment it writes
{pipeline name: definition} as JSON to the file named, with AWS answered offline as `smpo render`
does. AutoMLStep is not here: sagemaker-mlops 1.27 checks its step_args against
`Session.auto_ml`, which sagemaker-core 2.27 no longer has, so no AutoMLStep can be built; nor
MonitorBatchTransformStep, which the 3.x Pipeline refuses in its steps ("Invalid input step type")."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from sagemaker.core.clarify import BiasConfig, DataConfig
from sagemaker.core.lambda_helper import Lambda
from sagemaker.core.lineage.action import Action
from sagemaker.core.lineage.artifact import Artifact
from sagemaker.core.model_monitor.dataset_format import DatasetFormat
from sagemaker.core.parameter import ContinuousParameter
from sagemaker.core.processing import Processor
from sagemaker.core.shapes import ProcessingOutput, ProcessingS3Output
from sagemaker.core.transformer import Transformer
from sagemaker.core.workflow.conditions import ConditionGreaterThan
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join
from sagemaker.core.workflow.parameters import ParameterInteger
from sagemaker.core.workflow.pipeline_capture import capture_create_job_request
from sagemaker.core.workflow.pipeline_context import PipelineSession, runnable_by_pipeline
from sagemaker.mlops.workflow.callback_step import CallbackOutput, CallbackOutputTypeEnum, CallbackStep
from sagemaker.mlops.workflow.check_job_config import CheckJobConfig
from sagemaker.mlops.workflow.clarify_check_step import ClarifyCheckStep, DataBiasCheckConfig
from sagemaker.mlops.workflow.condition_step import ConditionStep
from sagemaker.mlops.workflow.emr_serverless_step import EMRServerlessJobConfig, EMRServerlessStep
from sagemaker.mlops.workflow.emr_step import EMRStep, EMRStepConfig
from sagemaker.mlops.workflow.endpoint_step import EndpointConfigStep, EndpointStep
from sagemaker.mlops.workflow.fail_step import FailStep
from sagemaker.mlops.workflow.function_step import step
from sagemaker.mlops.workflow.inference_component_step import InferenceComponentStep
from sagemaker.mlops.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep
from sagemaker.mlops.workflow.lineage_step import LineageAssociation, LineageEntityReference, LineageStep
from sagemaker.mlops.workflow.model_step import ModelStep
from sagemaker.mlops.workflow.notebook_job_step import NotebookJobStep
from sagemaker.mlops.workflow.pipeline import Pipeline
from sagemaker.mlops.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep
from sagemaker.mlops.workflow.retry import SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy
from sagemaker.mlops.workflow.step_dependency import StepDependency, TriggerCondition
from sagemaker.mlops.workflow.steps import (
    CacheConfig,
    JobStep,
    ProcessingStep,
    TrainingStep,
    TransformStep,
    TuningStep,
)
from sagemaker.serve.model_builder import ModelBuilder
from sagemaker.train.configs import Compute, InputData
from sagemaker.train.model_trainer import ModelTrainer
from sagemaker.train.tuner import HyperparameterTuner

ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
BUCKET = "acme-ml-artifacts"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function"
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
    output = ProcessingS3Output(
        s3_uri=f"s3://{BUCKET}/out", local_path="/opt/ml/processing/out", s3_upload_mode="EndOfJob"
    )
    step_args = processor.run(outputs=[ProcessingOutput(output_name="out", s3_output=output)])
    return ProcessingStep(name=name, step_args=step_args, **kwargs)


def trainer(s: PipelineSession, **kwargs: object) -> ModelTrainer:
    compute = Compute(instance_type="ml.m5.xlarge", instance_count=1)
    return ModelTrainer(training_image=IMAGE, role=ROLE, compute=compute, sagemaker_session=s, **kwargs)


def training(s: PipelineSession) -> Pipeline:
    epochs = ParameterInteger("Epochs", default_value=10)
    retry = SageMakerJobStepRetryPolicy(
        exception_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR], max_attempts=2, interval_seconds=1
    )
    train = TrainingStep(
        name="Train",
        step_args=trainer(s, hyperparameters={"epochs": epochs}).train(
            input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train/")]
        ),
        cache_config=CacheConfig(enable_caching=True, expire_after="P30D"),
        retry_policies=[retry],
    )
    return Pipeline(name="Sdk3Training", parameters=[epochs], steps=[train], sagemaker_session=s)


def processing_and_run_conditions(s: PipelineSession) -> Pipeline:
    """Steps that run when their upstream fails, when it is stopped, and whatever its end."""
    prepare = processing_step(s, "Prepare")
    notify = LambdaStep(
        name="NotifyFailure",
        lambda_func=Lambda(function_arn=f"{LAMBDA}:notify"),
        inputs={"pipeline": ExecutionVariables.PIPELINE_NAME},
        depends_on=[StepDependency(prepare, TriggerCondition.FAILED)],
    )
    release = LambdaStep(
        name="ReleaseCapacity",
        lambda_func=Lambda(function_arn=f"{LAMBDA}:release"),
        inputs={},
        depends_on=[StepDependency(prepare, TriggerCondition.STOPPED)],
    )
    audit = LambdaStep(
        name="Audit",
        lambda_func=Lambda(function_arn=f"{LAMBDA}:audit"),
        inputs={"run": ExecutionVariables.PIPELINE_EXECUTION_ARN},
        depends_on=[StepDependency(prepare, TriggerCondition.ANY)],
    )
    publish = LambdaStep(
        name="Publish",
        lambda_func=Lambda(function_arn=f"{LAMBDA}:publish"),
        inputs={},
        depends_on=[prepare],
    )
    return Pipeline(
        name="Sdk3RunConditions", steps=[prepare, notify, release, audit, publish], sagemaker_session=s
    )


def transform(s: PipelineSession) -> Pipeline:
    transformer = Transformer(
        model_name="churn-model",
        instance_count=1,
        instance_type="ml.m5.large",
        base_transform_job_name="score",  # else the SDK describes the model for its image name
        output_path=Join(
            on="/", values=[f"s3://{BUCKET}", ExecutionVariables.PIPELINE_EXECUTION_ID, "scores"]
        ),
        sagemaker_session=s,
    )
    batch = TransformStep(
        name="Score", step_args=transformer.transform(data=f"s3://{BUCKET}/batch/", content_type="text/csv")
    )
    return Pipeline(name="Sdk3Transform", steps=[batch], sagemaker_session=s)


def lambda_and_callback(s: PipelineSession) -> Pipeline:
    score = LambdaStep(
        name="Score",
        lambda_func=Lambda(function_arn=f"{LAMBDA}:score"),
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
        name="RateHigh",
        conditions=[ConditionGreaterThan(left=score.properties.Outputs["rate"], right=0.05)],
        if_steps=[approve],
        else_steps=[FailStep(name="TooLow", error_message="the rate is too low")],
    )
    return Pipeline(name="Sdk3LambdaCallback", steps=[score, gate], sagemaker_session=s)


def emr(s: PipelineSession) -> Pipeline:
    cluster = EMRStep(
        name="SparkJob",
        display_name="Spark features",
        description="Build features on EMR",
        cluster_id="j-1ABCDEFGHIJKL",
        step_config=EMRStepConfig(jar="command-runner.jar", args=["spark-submit", "s3://acme/job.py"]),
    )
    serverless = EMRServerlessStep(
        name="ServerlessJob",
        display_name="Serverless features",
        description="Build features on EMR Serverless",
        job_config=EMRServerlessJobConfig(
            job_driver={"sparkSubmit": {"entryPoint": "s3://acme/job.py"}},
            execution_role_arn="arn:aws:iam::123456789012:role/EMRServerless",
        ),
        application_id="00f1abcdefgh1234",
        depends_on=[cluster],
    )
    return Pipeline(name="Sdk3EMR", steps=[cluster, serverless], sagemaker_session=s)


def tuning(s: PipelineSession) -> Pipeline:
    tuner = HyperparameterTuner(
        trainer(s),
        objective_metric_name="validation:auc",
        hyperparameter_ranges={"eta": ContinuousParameter(0.01, 0.3)},
        metric_definitions=[{"Name": "validation:auc", "Regex": "auc:([0-9.]+)"}],
        max_jobs=4,
        max_parallel_jobs=2,
    )
    tune = TuningStep(
        name="Tune",
        step_args=tuner.tune(
            inputs=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train/")], wait=False
        ),
    )
    return Pipeline(name="Sdk3Tuning", steps=[tune], sagemaker_session=s)


def model_builder(s: PipelineSession, model_data: object) -> ModelBuilder:
    return ModelBuilder(image_uri=IMAGE, s3_model_data_url=model_data, role_arn=ROLE, sagemaker_session=s)


def model_and_register(s: PipelineSession) -> Pipeline:
    create = ModelStep(name="CreateModel", step_args=model_builder(s, f"s3://{BUCKET}/model.tar.gz").build())
    register = ModelStep(
        name="Register",
        step_args=model_builder(s, f"s3://{BUCKET}/model.tar.gz").register(
            model_package_group_name="churn",
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=["ml.m5.large"],
            transform_instances=["ml.m5.large"],
            approval_status="PendingManualApproval",
        ),
    )
    return Pipeline(name="Sdk3Model", steps=[create, register], sagemaker_session=s)


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
    return Pipeline(name="Sdk3Checks", steps=[quality, bias], sagemaker_session=s)


def notebook(s: PipelineSession) -> Pipeline:
    step = NotebookJobStep(
        name="Report",
        input_notebook=str(HERE.parent / "sdk" / "code" / "report.ipynb"),
        image_uri="885854791233.dkr.ecr.us-east-1.amazonaws.com/sagemaker-distribution-prod:1-cpu",
        kernel_name="python3",
        role=ROLE,
        s3_root_uri=f"s3://{BUCKET}/notebooks",
        instance_type="ml.m5.large",
    )
    return Pipeline(name="Sdk3Notebook", steps=[step], sagemaker_session=s)


def hosting(s: PipelineSession) -> Pipeline:
    variant = {
        "VariantName": "AllTraffic",
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": 1,
        "ModelName": "churn-model",
    }
    config = EndpointConfigStep(
        name="EndpointConfig",
        step_args=s.create_endpoint_config(name="churn-config", production_variants=[variant]),
    )
    endpoint = EndpointStep(
        name="Endpoint",
        step_args=s.create_endpoint(endpoint_name="churn", config_name=config.properties.EndpointConfigName),
    )
    component = InferenceComponentStep(
        name="Component",
        step_args=s.create_inference_component(
            inference_component_name="churn-component",
            endpoint_name=endpoint.properties.EndpointName,
            variant_name="AllTraffic",
            specification={
                "ModelName": "churn-model",
                "ComputeResourceRequirements": {"NumberOfCpuCoresRequired": 1, "MinMemoryRequiredInMb": 1024},
            },
            runtime_config={"CopyCount": 1},
        ),
    )
    return Pipeline(name="Sdk3Hosting", steps=[config, endpoint, component], sagemaker_session=s)


def lineage(s: PipelineSession) -> Pipeline:
    step = LineageStep(
        name="RecordLineage",
        actions=[
            Action.create(
                action_name="training-run",
                source_uri=f"s3://{BUCKET}/run",
                source_type="S3ETag",
                action_type="ModelTraining",
                sagemaker_session=s,
            )
        ],
        artifacts=[
            Artifact.create(
                artifact_name="trained-model",
                source_uri=f"s3://{BUCKET}/model.tar.gz",
                artifact_type="Model",
                sagemaker_session=s,
            )
        ],
        associations=[
            LineageAssociation(
                source=LineageEntityReference(name="training-run", type="Action"),
                destination=LineageEntityReference(name="trained-model", type="Artifact"),
                association_type="Produced",
            )
        ],
    )
    return Pipeline(name="Sdk3Lineage", steps=[step], sagemaker_session=s)


def functions(s: PipelineSession) -> Pipeline:
    """`@step` functions (a Training job each), the second reading the first's return value."""
    settings = {"instance_type": "ml.m5.large", "image_uri": IMAGE, "role": ROLE}

    @step(name="Featurize", **settings)
    def featurize(rows: int) -> dict[str, int]:
        return {"rows": rows * 2}

    @step(name="Fit", **settings)
    def fit(features: dict[str, int]) -> float:
        return features["rows"] / 100

    return Pipeline(name="Sdk3Functions", steps=[fit(featurize(10))], sagemaker_session=s)


class FeatureJob:
    """A CreateJob producer as the SDK's own are written (sagemaker-train MultiTurnRLTrainer.train):
    under a PipelineSession its request is captured for JobStep. MultiTurnRLTrainer itself cannot
    render offline: it describes its JumpStart hub content and model package group in AWS first."""

    _pipeline_caller_name = "create_job"

    def __init__(self, sagemaker_session: PipelineSession) -> None:
        self.sagemaker_session = sagemaker_session

    @runnable_by_pipeline
    def run(self) -> None:
        capture_create_job_request(
            self.sagemaker_session,
            job_name="features",
            role_arn=ROLE,
            job_category="AgentRFT",
            schema_version="1.0.0",
            job_config={"OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/features"}, "Epochs": 2},
        )


def job(s: PipelineSession) -> Pipeline:
    step = JobStep(name="Features", step_args=FeatureJob(s).run())
    return Pipeline(name="Sdk3Job", steps=[step], sagemaker_session=s)


def for_each_and_cleanup(_: PipelineSession) -> Pipeline:
    """tests/data/sdk3/per_region.py: ForEach, Lambda, Cleanup, Condition and Fail."""
    from per_region import pipeline

    return pipeline


BUILDERS = (
    training,
    processing_and_run_conditions,
    transform,
    tuning,
    model_and_register,
    lambda_and_callback,
    emr,
    checks,
    notebook,
    hosting,
    lineage,
    functions,
    job,
    for_each_and_cleanup,
)


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
    Path(sys.argv[1]).write_text(json.dumps(rendered, indent=1))

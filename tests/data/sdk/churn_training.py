"""The typical SDK pipeline of issue 18: Processing -> Training -> Evaluate (a PropertyFile) ->
Condition on JsonGet(metrics.auc.value) -> RegisterModel, or Fail. Its ProcessingOutputs have no
destination, so the SDK asks S3 for its default bucket even though the session names one."""

from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.model import Model
from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterFloat, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
session = PipelineSession(default_bucket="acme-ml-artifacts")
input_data = ParameterString("InputData", default_value="s3://acme-ml-data/churn/")
min_auc = ParameterFloat("MinAuc", default_value=0.8)


def processor(script: str) -> Processor:
    return Processor(
        role=ROLE,
        image_uri=IMAGE,
        entrypoint=["python3", f"/opt/program/{script}"],
        instance_count=1,
        instance_type="ml.m5.xlarge",
        sagemaker_session=session,
    )


prepare = ProcessingStep(
    name="Prepare",
    step_args=processor("prepare.py").run(
        inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input")],
        outputs=[
            ProcessingOutput(output_name="train", source="/opt/ml/processing/train"),
            ProcessingOutput(output_name="test", source="/opt/ml/processing/test"),
        ],
    ),
)
estimator = Estimator(
    image_uri=IMAGE, role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=session
)
train_data = prepare.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri
train = TrainingStep(
    name="Train", step_args=estimator.fit(inputs={"train": TrainingInput(s3_data=train_data)})
)
report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
evaluate = ProcessingStep(
    name="Evaluate",
    property_files=[report],
    step_args=processor("evaluate.py").run(
        inputs=[
            ProcessingInput(
                source=train.properties.ModelArtifacts.S3ModelArtifacts,
                destination="/opt/ml/processing/model",
            ),
            ProcessingInput(
                source=prepare.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri,
                destination="/opt/ml/processing/test",
            ),
        ],
        outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")],
    ),
)
model = Model(
    image_uri=IMAGE,
    model_data=train.properties.ModelArtifacts.S3ModelArtifacts,
    role=ROLE,
    sagemaker_session=session,
)
register = ModelStep(
    name="Register",
    step_args=model.register(
        content_types=["text/csv"],
        response_types=["text/csv"],
        inference_instances=["ml.m5.large"],
        transform_instances=["ml.m5.large"],
        model_package_group_name="churn",
        approval_status="Approved",
    ),
)
too_low = FailStep(name="AucTooLow", error_message=Join(on=" ", values=["AUC is below", min_auc]))
gate = ConditionStep(
    name="CheckAuc",
    conditions=[
        ConditionGreaterThanOrEqualTo(
            left=JsonGet(step_name=evaluate.name, property_file=report, json_path="metrics.auc.value"),
            right=min_auc,
        )
    ],
    if_steps=[register],
    else_steps=[too_low],
)
pipeline = Pipeline(
    name="ChurnTraining",
    parameters=[input_data, min_auc],
    steps=[prepare, train, evaluate, gate],
    sagemaker_session=session,
)

"""An SDK pipeline with local code: a ScriptProcessor's `code=` and an Estimator's `source_dir`,
both uploaded by the SDK to content-addressed keys under the default bucket."""

from pathlib import Path

from sagemaker.estimator import Estimator
from sagemaker.processing import ScriptProcessor
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelines"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
HERE = Path(__file__).parent
session = PipelineSession(default_bucket="acme-ml-artifacts")
script = ScriptProcessor(
    role=ROLE,
    image_uri=IMAGE,
    command=["python3"],
    instance_count=1,
    instance_type="ml.m5.xlarge",
    sagemaker_session=session,
)
prepare = ProcessingStep(name="Prepare", step_args=script.run(code=str(HERE / "code" / "prepare.py")))
estimator = Estimator(
    image_uri=IMAGE,
    role=ROLE,
    instance_count=1,
    instance_type="ml.m5.xlarge",
    sagemaker_session=session,
    entry_point="train.py",
    source_dir=str(HERE / "code"),
)
train = TrainingStep(name="Train", step_args=estimator.fit(), depends_on=[prepare])
pipeline = Pipeline(name="ChurnWithCode", steps=[prepare, train], sagemaker_session=session)

"""The PipelineRun kind's pure decisions: no kopf, boto3 or Kubernetes client."""

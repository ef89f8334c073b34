"""PipelineTrigger: events from SQS, Alertmanager or finished runs become PipelineRuns.

Pure decisions (`envelopes`, `matching`, `naming`, `plan`) import neither kopf nor boto3; each
source (`sqs`, `alertmanager`, `chaining`) and the kopf wiring (`handlers`) sit on top of them.
"""

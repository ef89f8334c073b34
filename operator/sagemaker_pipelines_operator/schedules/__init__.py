"""The PipelineSchedule kind: kopf wiring (`handlers`) and its pure plan (`plan`)."""

"""The PipelineRun kind: kopf wiring, the reconciler, the tracker and poller, the writer."""

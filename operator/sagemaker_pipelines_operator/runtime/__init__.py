"""The operator's shared runtime: kopf wiring, the Kubernetes seam, outcomes, shutdown."""

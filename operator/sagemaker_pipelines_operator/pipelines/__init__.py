"""The Pipeline kind: kopf wiring, the reconciler and what it acts through."""

"""The local SageMaker Pipelines emulator: a package of its own, not shipped in the operator's image."""

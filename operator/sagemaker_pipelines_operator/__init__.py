"""GitOps for Amazon SageMaker Pipelines: Kubernetes operator, PR CLI and local emulator."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sagemaker-pipelines-operator")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

GROUP = "sagemaker.pipelines.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

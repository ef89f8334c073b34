"""A local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) for `smpo dev`
and the integration tests, started from binaries built by `make controlplane`."""

from sagemaker_pipelines_operator.controlplane.cluster import ClusterInfo, down, status, up
from sagemaker_pipelines_operator.controlplane.errors import (
    BinaryNotFoundError,
    ControlPlaneError,
    MissingDependencyError,
    PortInUseError,
    StartupError,
)

__all__ = [
    "BinaryNotFoundError",
    "ClusterInfo",
    "ControlPlaneError",
    "MissingDependencyError",
    "PortInUseError",
    "StartupError",
    "down",
    "status",
    "up",
]

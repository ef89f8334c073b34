"""What every handler needs, created once per operator process and passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import kubernetes

from sagemaker_pipelines_operator.api.pipelinerun import PipelineRun
from sagemaker_pipelines_operator.aws.sagemaker import AwsAccess
from sagemaker_pipelines_operator.observability.health import WatchClock
from sagemaker_pipelines_operator.observability.tally import ResourceTally
from sagemaker_pipelines_operator.settings import OperatorSettings


@dataclass
class OperatorContext:
    """Settings, AWS access and a Kubernetes client for one operator process."""

    settings: OperatorSettings
    aws: AwsAccess
    kube_config: Any
    """kubernetes.client.Configuration of the cluster being watched."""
    state: dict[str, Any] = field(default_factory=dict)
    """The PipelineRun runtime (runs/handlers.runtime), created on first use."""
    namespace_annotations: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)
    """Namespace → (monotonic read time, annotations), the tenancy cache (runtime/tenancy)."""
    resource_tally: ResourceTally = field(default_factory=ResourceTally)
    """Objects by kind and condition, for smpo_resources (runtime/resource_metrics)."""
    annotation_problems: dict[str, str | None] = field(default_factory=dict)
    """Pipeline UID → the last invalid-annotation message posted (pipelines/metrics)."""
    clock: WatchClock | None = None
    """Liveness/readiness state; created from the settings when not given."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """The wall clock schedules read (tests inject one they move)."""
    run_finished: list[Callable[[PipelineRun], None]] = field(default_factory=list)
    """Called after a run's final status is written: how other kinds (schedules) hear of it
    without importing the PipelineRun kind."""

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = WatchClock(self.settings.watch_stall_seconds)

    _api_client: Any = field(default=None, init=False, repr=False)

    @property
    def api_client(self) -> Any:
        """The Kubernetes client, created on first use with a connection per thread that may hold
        one at once (urllib3's default pool is 5 per core)."""
        if self._api_client is None:
            wanted = self.settings.connections
            pool = self.kube_config.connection_pool_maxsize or 0
            self.kube_config.connection_pool_maxsize = max(pool, wanted)
            self._api_client = kubernetes.client.ApiClient(self.kube_config)
        return self._api_client

    @property
    def custom_objects(self) -> Any:
        return kubernetes.client.CustomObjectsApi(self.api_client)

    @property
    def core(self) -> Any:
        return kubernetes.client.CoreV1Api(self.api_client)


def load_kube_config(kubeconfig: str | None) -> Any:
    """A Configuration from a kubeconfig path, else in-cluster, else the default kubeconfig."""
    config = kubernetes.client.Configuration()
    if kubeconfig:
        kubernetes.config.load_kube_config(config_file=kubeconfig, client_configuration=config)
        return config
    try:
        kubernetes.config.load_incluster_config(client_configuration=config)
    except kubernetes.config.ConfigException:
        kubernetes.config.load_kube_config(client_configuration=config)
    return config

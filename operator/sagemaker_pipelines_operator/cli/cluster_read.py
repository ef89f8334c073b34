"""Read-only cluster access for the CLI's inspection commands (rerun, history, compare): one
object or a list of our kinds, with errors a person can act on."""

from __future__ import annotations

from typing import Any

from sagemaker_pipelines_operator import GROUP, VERSION

EXIT_NOT_FOUND = 1
EXIT_CLUSTER = 2


class ClusterReadError(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _client(kubeconfig: str | None, namespace: str | None) -> tuple[Any, str]:
    import kubernetes

    from sagemaker_pipelines_operator.runtime.context import load_kube_config

    try:
        config = load_kube_config(kubeconfig)
    except (kubernetes.config.ConfigException, OSError) as exc:
        raise ClusterReadError(f"no cluster to read: {exc}", EXIT_CLUSTER) from exc
    if namespace is None:
        namespace = _context_namespace(kubeconfig)
    api = kubernetes.client.CustomObjectsApi(kubernetes.client.ApiClient(config))
    return api, namespace


def _context_namespace(kubeconfig: str | None) -> str:
    import kubernetes

    try:
        _, current = kubernetes.config.list_kube_config_contexts(config_file=kubeconfig)
    except (kubernetes.config.ConfigException, OSError):
        return "default"
    return str(current.get("context", {}).get("namespace") or "default")


def read_object(
    kubeconfig: str | None, namespace: str | None, plural: str, name: str
) -> tuple[str, dict[str, Any]]:
    """(namespace, object); ClusterReadError when it is missing or the cluster cannot be read."""
    from kubernetes.client.exceptions import ApiException

    api, namespace = _client(kubeconfig, namespace)
    try:
        body: dict[str, Any] = api.get_namespaced_custom_object(GROUP, VERSION, namespace, plural, name)
    except ApiException as exc:
        if exc.status == 404:
            raise ClusterReadError(f"{plural} {namespace}/{name} not found", EXIT_NOT_FOUND) from exc
        raise ClusterReadError(
            f"reading {plural} {namespace}/{name}: {exc.status} {exc.reason}", EXIT_CLUSTER
        ) from exc
    except Exception as exc:  # urllib3 connection errors and the like
        raise ClusterReadError(f"reading {plural} {namespace}/{name}: {exc}", EXIT_CLUSTER) from exc
    return namespace, body


def list_objects(
    kubeconfig: str | None, namespace: str | None, plural: str
) -> tuple[str, list[dict[str, Any]]]:
    from kubernetes.client.exceptions import ApiException

    api, namespace = _client(kubeconfig, namespace)
    try:
        items: list[dict[str, Any]] = api.list_namespaced_custom_object(GROUP, VERSION, namespace, plural)[
            "items"
        ]
    except ApiException as exc:
        raise ClusterReadError(
            f"listing {plural} in {namespace}: {exc.status} {exc.reason}", EXIT_CLUSTER
        ) from exc
    except Exception as exc:
        raise ClusterReadError(f"listing {plural} in {namespace}: {exc}", EXIT_CLUSTER) from exc
    return namespace, items

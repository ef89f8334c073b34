"""Maps Kubernetes client errors onto the error taxonomy (errors.py), as aws/errors.py does for AWS."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.errors import NotFound, ReconcileError, Stalled, Transient


def classify_kube_error(exc: BaseException, what: str) -> ReconcileError:
    """The taxonomy class of a kubernetes client failure while reading or writing `what`."""
    if isinstance(exc, ApiException):
        status = int(exc.status or 0)
        text = f"{what}: {status} {exc.reason}"
        if status == 404:
            return NotFound(c.KUBERNETES_REJECTED, text)
        if status in (401, 403):
            return Stalled(c.KUBERNETES_REJECTED, f"{text} (check the operator's RBAC)")
        if status in (409, 429) or status >= 500 or status == 0:
            return Transient(c.KUBERNETES_UNAVAILABLE, text)
        return Stalled(c.KUBERNETES_REJECTED, text)
    if isinstance(exc, HTTPError | OSError):
        return Transient(c.KUBERNETES_UNAVAILABLE, f"{what}: {exc}")
    raise exc

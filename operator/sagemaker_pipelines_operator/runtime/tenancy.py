"""The thin reader behind tenancy: a namespace's annotations (cached briefly), judged by
reconcile/tenancy.py. Every kind asks here which role to act through."""

from __future__ import annotations

import threading
import time

from sagemaker_pipelines_operator.reconcile.tenancy import namespace_role
from sagemaker_pipelines_operator.runtime.context import OperatorContext
from sagemaker_pipelines_operator.runtime.kube import ApiServerObjects

CACHE_SECONDS = 30.0
"""How long an annotation read is reused; annotating a namespace takes effect within this time."""

_lock = threading.Lock()


def namespace_role_arn(ctx: OperatorContext, namespace: str) -> str | None:
    """The role to assume for `namespace` (None: the operator's own); raises Stalled when refused."""
    settings = ctx.settings
    return namespace_role(
        namespace,
        _annotations(ctx, namespace),
        require_role=settings.require_namespace_role,
        allowed_accounts=settings.allowed_role_accounts,
    )


def _annotations(ctx: OperatorContext, namespace: str) -> dict[str, str]:
    ttl = min(CACHE_SECONDS, ctx.settings.resync_seconds / 2)
    with _lock:
        cache = ctx.namespace_annotations
        hit = cache.get(namespace)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    annotations = ApiServerObjects(ctx).namespace_annotations(namespace)
    with _lock:
        cache[namespace] = (time.monotonic(), annotations)
    return annotations

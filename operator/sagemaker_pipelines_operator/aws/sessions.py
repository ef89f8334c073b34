"""boto3 clients per (region, role), built once and shared; roles assumed through STS and refreshed.

Credentials come from the standard chain (IRSA, EKS Pod Identity, env). A namespace role is
assumed with botocore's own refreshing credential fetcher, so sessions never expire mid-run.
`AWS_ENDPOINT_URL_SAGEMAKER` (standard SDK setting) points clients at the emulator in tests.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
)

from sagemaker_pipelines_operator.aws.errors import THROTTLE_CODES
from sagemaker_pipelines_operator.metrics import SAGEMAKER_THROTTLES_TOTAL

# `legacy` (botocore's default): jittered exponential backoff per call, no client-side limiter and no
# retry quota. `adaptive` pinned the process at 0.5 calls/s under a fixed throttle ratio, and
# `standard`'s quota (500 tokens, 5 per throttle retry) drained after a few hundred calls of such a
# storm, after which throttled calls failed unretried. The operator's budget, taken by every
# attempt (aws/sagemaker.py), is the rate limit (docs/decisions/0045-legacy-retries-under-one-budget.md).
CLIENT_CONFIG = Config(
    retries={"mode": "legacy", "total_max_attempts": 6},  # legacy reads max_attempts as retries
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="sagemaker-pipelines-operator",
)


class ClientFactory:
    """Creates and caches boto3 clients by (service, region, role): one session per role, all of
    them sharing one botocore data loader, so each service model and the endpoint data are parsed
    once per process (a session of its own parses them again: ~20 MiB per extra session)."""

    def __init__(self, default_region: str | None = None, connections: int = 10) -> None:
        self._config = CLIENT_CONFIG.merge(Config(max_pool_connections=connections))
        self._loader: Any = None
        self._base_core = self._new_core()
        self._base = boto3.session.Session(botocore_session=self._base_core)
        self.default_region = default_region or self._base.region_name or "us-east-1"
        self._sessions: dict[str | None, boto3.session.Session] = {None: self._base}
        self._clients: dict[tuple[str, str, str | None], Any] = {}
        self._lock = threading.Lock()

    def region(self, region: str | None) -> str:
        return region or self.default_region

    def client(self, service: str, region: str | None = None, role_arn: str | None = None) -> Any:
        key = (service, self.region(region), role_arn)
        with self._lock:
            if key not in self._clients:
                if role_arn is not None and role_arn not in self._sessions:
                    self._sessions[role_arn] = self._role_session(role_arn)
                client = self._sessions[role_arn].client(service, region_name=key[1], config=self._config)
                client.meta.events.register(f"needs-retry.{service}", _count_throttle)
                self._clients[key] = client
            return self._clients[key]

    def _new_core(self) -> botocore.session.Session:
        core = botocore.session.Session()
        if self._loader is None:
            self._loader = core.get_component("data_loader")
        else:
            core.register_component("data_loader", self._loader)
        return core

    def _role_session(self, role_arn: str) -> boto3.session.Session:
        core = self._new_core()
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=self._base_core.create_client,
            source_credentials=self._base.get_credentials(),
            role_arn=role_arn,
            extra_args={"RoleSessionName": "sagemaker-pipelines-operator"},
        )
        # The session's only credential source is the role: never the base chain behind it.
        core.register_component("credential_provider", CredentialResolver(providers=[_AssumedRole(fetcher)]))
        return boto3.session.Session(botocore_session=core)


class _AssumedRole(CredentialProvider):  # type: ignore[misc]  # botocore is untyped
    """A credential source that assumes one role through STS, refreshed before it expires."""

    METHOD = "assume-role"

    def __init__(self, fetcher: AssumeRoleCredentialFetcher) -> None:
        super().__init__()
        self._fetcher = fetcher

    def load(self) -> DeferredRefreshableCredentials:
        fetch = self._fetcher.fetch_credentials
        return DeferredRefreshableCredentials(method=self.METHOD, refresh_using=fetch)


def _count_throttle(response: Any = None, operation: Any = None, **_: Any) -> None:
    """Counts every throttled attempt, including those botocore retries by itself."""
    if not response or operation is None:
        return
    parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else None
    code = (parsed or {}).get("Error", {}).get("Code") if isinstance(parsed, dict) else None
    if code in THROTTLE_CODES:
        SAGEMAKER_THROTTLES_TOTAL.labels(operation=operation.name).inc()

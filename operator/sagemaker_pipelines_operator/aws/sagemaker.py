"""The SageMaker seam: every call goes through `SageMakerApi.call` (rate budget, then `aws.calls`:
metrics, errors).

Operation-specific helpers live in `aws/pipelines.py` and `aws/executions.py`; they call
`call` with the operation's API name so the IAM policy test can find every operation used.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from sagemaker_pipelines_operator.aws.calls import SAGEMAKER, measured_call, measured_lookup
from sagemaker_pipelines_operator.aws.ratelimit import RateBudget
from sagemaker_pipelines_operator.aws.sessions import ClientFactory


class SageMakerApi:
    """SageMaker calls for one (region, role), sharing the operator-wide rate budget."""

    def __init__(self, factory: ClientFactory, budget: RateBudget, region: str | None, role_arn: str | None):
        self.region = factory.region(region)
        self.role_arn = role_arn
        self._client = factory.client("sagemaker", self.region, role_arn)
        self._bucket = budget.bucket(self.region)
        # Every attempt takes a token, botocore's retries included: the budget bounds what the
        # operator sends, however many calls are being retried (decision 0045).
        # One handler per client, however many SageMakerApi objects share it: two of them (say,
        # made by threads racing to the first call) would otherwise charge every attempt twice.
        self._client.meta.events.register(
            "before-send.sagemaker", self._take_token, unique_id=f"smpo-budget-{self.region}"
        )

    def _take_token(self, **_: Any) -> None:
        self._bucket.acquire()

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call `operation` (API name, e.g. "DescribePipeline"); raises a taxonomy error on failure
        (NotFound when the resource is missing). Its duration includes the wait for the budget."""
        return measured_call(SAGEMAKER, operation, self._budgeted(operation, params))

    def lookup(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """Like `call`, for a read where absence is an answer: None when the resource is missing."""
        return measured_lookup(SAGEMAKER, operation, self._budgeted(operation, params))

    def paginate(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """All items of a paginated list operation (each page is one budgeted call)."""
        return _collect(lambda page: self.call(operation, **params, **page), key) or []  # never None

    def lookup_pages(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]] | None:
        """All items of a paginated list operation; None when what it lists the items of (a
        pipeline, an execution) is missing, on any page."""
        return _collect(lambda page: self.lookup(operation, **params, **page), key)

    def _budgeted(self, operation: str, params: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        method = getattr(self._client, _snake(operation))

        def budgeted() -> dict[str, Any]:  # each attempt takes its token in _take_token
            response: dict[str, Any] = method(**params)
            return response

        return budgeted


class AwsAccess:
    """Entry point for handlers: SageMaker APIs by region and role, and one shared budget."""

    def __init__(self, default_region: str | None, tps: float, burst: int, connections: int = 10) -> None:
        self.factory = ClientFactory(default_region, connections)
        self.budget = RateBudget(tps, burst)
        self._apis: dict[tuple[str, str | None], SageMakerApi] = {}
        self._lock = threading.Lock()

    def sagemaker(self, region: str | None = None, role_arn: str | None = None) -> SageMakerApi:
        """The API for (region, role), made once: handler threads reach for it at the same time."""
        key = (self.factory.region(region), role_arn)
        with self._lock:
            if key not in self._apis:
                self._apis[key] = SageMakerApi(self.factory, self.budget, region, role_arn)
            return self._apis[key]


def _collect(
    fetch: Callable[[dict[str, str]], dict[str, Any] | None], key: str
) -> list[dict[str, Any]] | None:
    """Every page's `key` items, following NextToken; None as soon as a page is None."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = fetch({"NextToken": token} if token else {})
        if page is None:
            return None
        items.extend(page.get(key, []))
        token = page.get("NextToken")
        if not token:
            return items


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()

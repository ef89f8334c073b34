"""Which AWS role a namespace acts through, or why it may not act at all. Pure: the caller reads the
namespace's annotations."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from sagemaker_pipelines_operator import GROUP
from sagemaker_pipelines_operator.api import conditions as c
from sagemaker_pipelines_operator.api.common import ROLE_ARN_PATTERN
from sagemaker_pipelines_operator.errors import Stalled

ROLE_ANNOTATION = f"{GROUP}/role-arn"
"""Namespace annotation naming the IAM role the operator assumes for that namespace's resources."""

_ROLE_ARN = re.compile(ROLE_ARN_PATTERN)


def namespace_role(
    namespace: str,
    annotations: Mapping[str, str],
    *,
    require_role: bool,
    allowed_accounts: Collection[str],
) -> str | None:
    """The role to assume for `namespace` (None: the operator's own credentials), or Stalled."""
    role = (annotations.get(ROLE_ANNOTATION) or "").strip()
    if not role:
        if require_role:
            raise Stalled(
                c.NAMESPACE_NOT_ALLOWED,
                f"namespace {namespace} has no {ROLE_ANNOTATION} annotation and the operator "
                "requires one (--require-namespace-role)",
            )
        return None
    if not _ROLE_ARN.match(role):
        raise Stalled(
            c.NAMESPACE_NOT_ALLOWED,
            f"namespace {namespace}: annotation {ROLE_ANNOTATION} is not an IAM role ARN: {role!r}",
        )
    account = role.split(":")[4]
    if allowed_accounts and account not in allowed_accounts:
        raise Stalled(
            c.NAMESPACE_NOT_ALLOWED,
            f"namespace {namespace}: role account {account} is not allowed "
            f"(allowed: {', '.join(sorted(allowed_accounts))})",
        )
    return role

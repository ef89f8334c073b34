"""The error taxonomy: every failure of a reconcile pass is one of three kinds.

    ReconcileError
    ├── Stalled     the user must change the spec (or the world): Stalled=True, no retry
    │   │           until the resource changes. Bad definition, unknown parameter, AWS
    │   │           validation/access errors, a pipeline owned by another resource.
    │   └── NotFound    a call that needs the resource found it missing: a refusal like any
    │                   other. Where absence is an answer, the seam asks with a lookup
    │                   (`SageMakerApi.lookup`, `KubeObjects.get`) and gets None instead.
    ├── Waiting     nothing is wrong yet; look again after `delay` seconds. A referenced
    │               Pipeline not Ready, a ConfigMap not created yet, an execution stopping.
    └── Transient   something outside us failed in a way that usually heals: throttling,
                    5xx, network. Retried with backoff; Reconciling=True with the reason.

`aws.errors.classify_aws_error` maps botocore errors onto this tree and
`reconcile.verdict.verdict_for_error` turns any of them into conditions, an Event and a requeue.
Handlers never inspect error strings.
"""

from __future__ import annotations


class ReconcileError(Exception):
    """A reconcile pass could not finish; `reason` is a condition reason (api/conditions.py)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Stalled(ReconcileError):
    """Progress needs a change by a person: no retry until the spec (generation) changes."""


class Waiting(ReconcileError):
    """Not an error: requeue after `delay` seconds."""

    def __init__(self, reason: str, message: str, delay: float = 10.0) -> None:
        super().__init__(reason, message)
        self.delay = delay


class Transient(ReconcileError):
    """A failure that usually heals (throttling, 5xx, network): retry with backoff."""

    def __init__(self, reason: str, message: str, delay: float | None = None) -> None:
        super().__init__(reason, message)
        self.delay = delay


class NotFound(Stalled):
    """The resource a call needed does not exist. A refusal wherever it is not caught; the seams
    that expect absence (a read, a clean-up) ask so that "not there" comes back as a value."""

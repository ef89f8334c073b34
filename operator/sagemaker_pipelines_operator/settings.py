"""Operator settings: every knob of `smpo run`, with its flag, environment variable and default.

One table drives the argument parser, the Helm values and the docs, so a setting is declared
once. Environment variables (`SMPO_<NAME>`) make the same settings usable from a Deployment.
"""

from __future__ import annotations

import argparse
import itertools
import os
from dataclasses import dataclass, fields
from typing import Any, Literal

SPARE_CONNECTIONS = 8
"""Connections beyond one per handler thread: the run pollers (4), the trigger and status-event
consumers, and the probes' reads."""
LogFormat = Literal["text", "json"]
DeletionPolicy = Literal["Retain", "Delete"]


@dataclass(frozen=True)
class OperatorSettings:
    """How one operator process behaves."""

    namespaces: tuple[str, ...] = ()
    """Namespaces to watch; empty means all (cluster-wide)."""
    selector: str | None = None
    """Only handle resources with these labels (`key=value,...`), to shard large installations."""
    region: str | None = None
    """Default AWS region for resources without spec.region (else the AWS SDK's default)."""
    cluster_id: str = "default"
    """Identifies this cluster in the owner tag of SageMaker pipelines; unique per account."""
    metrics_port: int = 8080
    """Port of the Prometheus /metrics endpoint (0 disables it)."""
    health_port: int = 8081
    """Port of /healthz (liveness: watches not stalled) and /readyz (initial listing done)."""
    webhook_port: int = 0
    """Port of the PipelineTrigger webhook endpoint for Alertmanager (0 disables it)."""
    webhook_tls_cert_file: str | None = None
    """PEM certificate (chain) of the webhook: with the key file set, it serves HTTPS only, and
    serves renewed files from the next connection on."""
    webhook_tls_key_file: str | None = None
    """PEM private key of that certificate."""
    bind_address: str = "0.0.0.0"
    """Address the metrics, health and webhook servers listen on."""
    peering: str | None = "sagemaker-pipelines-operator"
    """Leader election: name of kopf's peering object (created if missing; its CRD is in crds/)."""
    peering_lifetime_seconds: int = 60
    """A replica silent for this long counts as dead and its standby takes over (kopf's lifetime)."""
    max_workers: int = 20
    """Most synchronous handlers running at once."""
    max_concurrent_objects: int = 0
    """Most objects kopf works on at once (0: no limit). Each holds its bodies while it waits for a
    handler thread, so a burst costs memory the allocator keeps: 5,000 objects left RSS at 386 MiB
    unbounded and 134 MiB at 40 (1,000 handled in 24 s and 28 s). An object waiting out a retry
    delay keeps its slot (decision 0072)."""
    aws_tps: float = 10.0
    """SageMaker calls per second allowed per region, shared by every handler."""
    aws_burst: int = 20
    """Burst size of that budget."""
    resync_seconds: float = 300.0
    """How often Pipelines are checked for drift against SageMaker."""
    poll_min_seconds: float = 5.0
    """Fastest run status polling (just after a start)."""
    poll_max_seconds: float = 60.0
    """Slowest run status polling (long-running executions)."""
    steps_refresh_seconds: float = 60.0
    """Polling alone: how often the steps of an executing run whose status did not change are
    listed (a step's change shows in no listing of executions; longer costs fewer calls, and
    step status lags up to this long). With a status events queue, step events give them."""
    status_events_queue_url: str | None = None
    """SQS queue an EventBridge rule sends SageMaker's pipeline status-change events to: runs are
    looked at when an event names them, and otherwise polled only as a safety net."""
    status_events_poll_seconds: float = 300.0
    """With a status events queue: how often active runs are still polled (the safety net)."""
    default_deletion_policy: DeletionPolicy = "Retain"
    """deletionPolicy for Pipelines that do not set one."""
    allow_unmanaged_pipelines: bool = False
    """Allow PipelineRuns with spec.pipelineName (pipelines not managed by a Pipeline resource)."""
    require_namespace_role: bool = False
    """Refuse namespaces without the `sagemaker.pipelines.dev/role-arn` annotation."""
    allowed_role_accounts: tuple[str, ...] = ()
    """AWS account ids namespace roles may belong to; empty allows any."""
    watch_stall_seconds: float = 600.0
    """Liveness fails when no watch event arrived for this long (a known kopf failure mode)."""
    log_format: LogFormat = "text"
    """text or json (one object per line, with namespace/name fields)."""
    log_level: str = "INFO"
    """Python logging level."""
    argocd_namespace: str = "argocd"
    """Namespace of the Argo CD Applications named by `app.kubernetes.io/instance` labels (Git lineage)."""

    @property
    def connections(self) -> int:
        """HTTP connections a client (Kubernetes, or boto3's per service) may hold at once: one per
        handler thread, and spares for the run pollers, the consumers and the probes' reads.
        Fewer made the rest open and drop a connection per request ("Connection pool is full")."""
        return self.max_workers + SPARE_CONNECTIONS


_LIST_FIELDS = {"namespaces", "allowed_role_accounts"}
_BOOL_FIELDS = {"allow_unmanaged_pipelines", "require_namespace_role"}
_FLAGS = {"namespaces": "--namespace", "allowed_role_accounts": "--allowed-role-account"}
_CHOICES = {"log_format": ("text", "json"), "default_deletion_policy": ("Retain", "Delete")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per setting; defaults come from `SMPO_<NAME>` when set."""
    defaults = OperatorSettings()
    for f in fields(OperatorSettings):
        flag = _FLAGS.get(f.name, "--" + f.name.replace("_", "-"))
        env = "SMPO_" + f.name.upper()
        help_text = f"{_doc(f.name)} [env {env}]"
        default = getattr(defaults, f.name)
        raw = os.environ.get(env)
        if f.name in _BOOL_FIELDS:
            value = raw.lower() in {"1", "true", "yes"} if raw is not None else default
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value, help=help_text)
        elif f.name in _LIST_FIELDS:
            value = tuple(x for x in (raw or "").split(",") if x) if raw is not None else default
            parser.add_argument(
                flag, dest=f.name, action="append", default=None, help=help_text + " (repeatable)"
            )
            parser.set_defaults(**{f"_{f.name}_env": value})
        elif f.name == "peering":
            parser.add_argument(flag, default=raw if raw is not None else default, help=help_text)
            parser.add_argument(
                "--standalone",
                action="store_true",
                help="run a single replica without peering (no kopf.dev CRD or object needed)",
            )
        else:
            kind = type(default) if default is not None else str
            parser.add_argument(
                flag,
                type=kind,
                default=kind(raw) if raw is not None else default,
                choices=_CHOICES.get(f.name),
                help=help_text,
            )


def from_arguments(args: argparse.Namespace) -> OperatorSettings:
    """Settings from parsed flags (see `add_arguments`)."""
    values: dict[str, Any] = {}
    for f in fields(OperatorSettings):
        value = getattr(args, f.name)
        if f.name in _LIST_FIELDS:
            value = tuple(value) if value else getattr(args, f"_{f.name}_env")
        values[f.name] = value
    if getattr(args, "standalone", False):
        values["peering"] = None
    return OperatorSettings(**values)


def problems(settings: OperatorSettings) -> list[str]:
    """Settings that parse but cannot work together, as messages naming the flags."""
    found: list[str] = []
    positive = (
        "peering_lifetime_seconds",
        "resync_seconds",
        "poll_min_seconds",
        "poll_max_seconds",
        "steps_refresh_seconds",
        "status_events_poll_seconds",
        "watch_stall_seconds",
        "aws_tps",
    )
    for name in positive:
        if getattr(settings, name) <= 0:
            found.append(f"--{name.replace('_', '-')} must be positive")
    if settings.poll_min_seconds > settings.poll_max_seconds:
        found.append("--poll-min-seconds must not exceed --poll-max-seconds")
    cert, key = settings.webhook_tls_cert_file, settings.webhook_tls_key_file
    if bool(cert) != bool(key):
        found.append("--webhook-tls-cert-file and --webhook-tls-key-file go together: set both or neither")
    elif cert and not settings.webhook_port:
        found.append("--webhook-tls-cert-file needs --webhook-port (the webhook is off)")
    if settings.watch_stall_seconds <= settings.resync_seconds:
        # A quiet watch stays alive through the resync's status writes; a shorter stall window
        # would fail liveness between two of them and restart the pod forever.
        found.append(
            f"--watch-stall-seconds ({settings.watch_stall_seconds:g}) must exceed --resync-seconds "
            f"({settings.resync_seconds:g}); twice the resync interval is a good value"
        )
    return found


def _doc(name: str) -> str:
    return _DOCS.get(name, name)


def _field_docs() -> dict[str, str]:
    """Attribute docstrings of OperatorSettings, read from the source (one truth for --help)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(OperatorSettings))
    docs: dict[str, str] = {}
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, nxt in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
        ):
            docs[node.target.id] = str(nxt.value.value)
    return docs


_DOCS = _field_docs()

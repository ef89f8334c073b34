"""Process logging for `smpo run`: text or JSON lines (time, level, logger, message and the
namespace/name/run of kopf's per-object loggers), with credentials redacted from every line."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

LogFormat = Literal["text", "json"]

# Libraries whose DEBUG output carries signed request headers or bodies (Authorization,
# X-Amz-Security-Token, bearer tokens): they never log below INFO, whatever the operator's level.
_CHATTY = ("botocore", "boto3", "s3transfer", "urllib3", "kubernetes.client.rest", "aiohttp.client")

# Extras a handler may pass (`logger.info(..., extra={"pipeline": p})`) that reach JSON output.
# Anything else in `extra` stays out: an allow-list cannot leak a field nobody thought about.
EXTRA_FIELDS = ("pipeline", "run", "execution_arn", "operation", "phase", "attempt", "reason")

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # AWS access key ids (long-term AKIA, temporary ASIA).
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), "[REDACTED-KEY-ID]"),
    # key=value / "key": "value" for secret-looking keys, quoted or not.
    (
        re.compile(
            r"""(?ix)
            (["']?(?:aws_)?(?:secret[_-]?access[_-]?key|secret|session[_-]?token|security[_-]?token
            |x-amz-security-token|password|passwd|token|api[_-]?key|client[_-]?secret)["']?
            \s*[:=]\s*)
            ("[^"]*"|'[^']*'|[^\s,;&}\]]+)"""
        ),
        r"\1[REDACTED]",
    ),
    # HTTP authorization headers: Bearer tokens and SigV4 signatures.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [REDACTED]"),
    (re.compile(r"(?i)(authorization\s*[:=]\s*)[^\n]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)((?:Signature|X-Amz-Signature)=)[0-9a-f]+"), r"\1[REDACTED]"),
)


def redact(text: str) -> str:
    """`text` with credentials and tokens replaced by markers."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def object_fields(record: logging.LogRecord) -> dict[str, str]:
    """namespace/name/kind (and run for PipelineRuns) from kopf's ObjectLogger (`k8s_ref`), plus
    the allow-listed extras a handler passed."""
    fields: dict[str, str] = {}
    ref = getattr(record, "k8s_ref", None)
    if isinstance(ref, dict):
        for key in ("namespace", "name", "kind"):
            if ref.get(key):
                fields[key] = str(ref[key])
        if ref.get("kind") == "PipelineRun" and ref.get("name"):
            fields["run"] = str(ref["name"])
    for key in EXTRA_FIELDS:
        value = getattr(record, key, None)
        if value is not None:
            fields[key] = str(value)
    return fields


def rfc3339(created: float) -> str:
    """A record's time as RFC 3339 in UTC with milliseconds (`2026-01-02T03:04:05.678Z`)."""
    stamp = datetime.fromtimestamp(created, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, object fields, error."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": rfc3339(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        entry.update(object_fields(record))
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["error"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger [namespace/name] message`, for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = object_fields(record)
        where = ""
        if "name" in fields:
            where = f"[{fields['namespace']}/{fields['name']}] " if "namespace" in fields else ""
            where = where or f"[{fields['name']}] "
        line = f"{rfc3339(record.created)} {record.levelname:<7} {record.name}: {where}{record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


class _OperatorHandler(logging.StreamHandler[TextIO]):
    """Marks the handler configure_logging installs, so a second call replaces it."""


def configure_logging(log_format: LogFormat, level: str | int, stream: TextIO | None = None) -> None:
    """Send every log record to `stream` (stderr) in `log_format` at `level`.

    Replaces handlers it installed before and kopf's own stream handler; leaves other handlers
    alone (kopf's Event poster hangs off the `kopf.objects` logger, not the root).
    """
    if log_format not in ("text", "json"):
        raise ValueError(f"unknown log format {log_format!r} (text or json)")
    handler = _OperatorHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [
        h for h in root.handlers if not isinstance(h, _OperatorHandler) and not _is_kopf_stream(h)
    ]
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


def _is_kopf_stream(handler: logging.Handler) -> bool:
    return type(handler).__name__ == "_KopfStreamHandler"

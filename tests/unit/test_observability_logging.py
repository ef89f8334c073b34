"""Operator logs: JSON lines with time, level, logger, message and the object fields of kopf's
per-object loggers; text lines for terminals; credentials redacted in both."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import kopf
import pytest

from sagemaker_pipelines_operator.observability.logging import configure_logging, redact

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Root logging pointed at a buffer; the previous handlers and levels come back after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    saved_chatty = {n: logging.getLogger(n).level for n in ("botocore", "urllib3")}
    buffer = io.StringIO()
    yield buffer
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, chatty_level in saved_chatty.items():
        logging.getLogger(name).setLevel(chatty_level)


def object_logger(kind: str, namespace: str | None, name: str) -> Any:
    body = {
        "apiVersion": "sagemaker.pipelines.dev/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "uid": "u-1"},
    }
    return kopf.ObjectLogger(body=kopf.Body(body), settings=kopf.OperatorSettings())


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_time_level_logger_message(stream: io.StringIO) -> None:
    configure_logging("json", "INFO", stream=stream)
    logging.getLogger("sagemaker_pipelines_operator.test").warning("started %d workers", 4)
    (entry,) = lines(stream)
    assert RFC3339_UTC.match(entry.pop("time"))
    assert entry == {
        "level": "warning",
        "logger": "sagemaker_pipelines_operator.test",
        "message": "started 4 workers",
    }


def test_json_lines_take_namespace_name_and_run_from_kopf_object_loggers(stream: io.StringIO) -> None:
    configure_logging("json", "INFO", stream=stream)
    object_logger("PipelineRun", "ml", "retrain-42").info("execution started", extra={"pipeline": "retrain"})
    object_logger("Pipeline", "ml", "retrain").info("definition applied")
    run, pipeline = lines(stream)
    assert {k: run[k] for k in ("namespace", "name", "kind", "run", "pipeline", "logger")} == {
        "namespace": "ml",
        "name": "retrain-42",
        "kind": "PipelineRun",
        "run": "retrain-42",
        "pipeline": "retrain",
        "logger": "kopf.objects",
    }
    assert {k: pipeline.get(k) for k in ("namespace", "name", "kind", "run")} == {
        "namespace": "ml",
        "name": "retrain",
        "kind": "Pipeline",
        "run": None,
    }
    # kopf's own settings object and event-posting flags never reach the output.
    assert not {"settings", "k8s_skip", "k8s_ref"} & set(run)


def test_json_errors_carry_the_traceback(stream: io.StringIO) -> None:
    configure_logging("json", "INFO", stream=stream)
    try:
        raise ValueError("bad definition")
    except ValueError:
        logging.getLogger("x").exception("reconcile failed")
    (entry,) = lines(stream)
    assert entry["level"] == "error"
    assert "ValueError: bad definition" in entry["error"]


def test_text_lines_prefix_the_object(stream: io.StringIO) -> None:
    configure_logging("text", "INFO", stream=stream)
    object_logger("PipelineRun", "ml", "retrain-42").info("execution started")
    (line,) = stream.getvalue().splitlines()
    assert re.match(r"^\S+Z INFO    kopf\.objects: \[ml/retrain-42\] execution started$", line), line


def test_level_filters_and_reconfiguring_replaces_the_handler(stream: io.StringIO) -> None:
    configure_logging("json", "WARNING", stream=stream)
    configure_logging("json", "WARNING", stream=stream)
    logging.getLogger("x").info("hidden")
    logging.getLogger("x").error("shown")
    assert [e["message"] for e in lines(stream)] == ["shown"]


def test_sdk_debug_output_stays_off_at_debug_level(stream: io.StringIO) -> None:
    configure_logging("json", "DEBUG", stream=stream)
    logging.getLogger("botocore.endpoint").debug("Sending http request: headers={'Authorization': ...}")
    logging.getLogger("sagemaker_pipelines_operator").debug("ours")
    assert [e["message"] for e in lines(stream)] == ["ours"]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log format"):
        configure_logging("yaml", "INFO")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"),
        ("temporary ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ('{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG"}', "wJalrXUtnFEMI"),
        ("{'SessionToken': 'FwoGZXIvYXdzEJr'}", "FwoGZXIvYXdzEJr"),
        ("X-Amz-Security-Token: IQoJb3JpZ2luX2VjEJr", "IQoJb3JpZ2luX2VjEJr"),
        ("Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2026, Signature=abc", "AKIDEXAMPLE"),
        ("header Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig", "eyJhbGciOiJSUzI1NiJ9"),
        ("url?X-Amz-Signature=0123abcdef", "0123abcdef"),
        ("password=hunter2 and more", "hunter2"),
    ],
    ids=[
        "key-id",
        "temp-key-id",
        "secret-kv",
        "secret-json",
        "session-token",
        "security-token",
        "authorization",
        "bearer",
        "presigned",
        "password",
    ],
)
def test_credentials_are_redacted(text: str, leaked: str) -> None:
    cleaned = redact(text)
    assert leaked not in cleaned
    assert "REDACTED" in cleaned


def test_redaction_leaves_ordinary_messages_alone() -> None:
    message = "Pipeline ml/retrain: definition hash 3f2a changed; starting run retrain-42 (token from uid)"
    assert redact(message) == message


def test_secrets_in_messages_never_reach_either_format(stream: io.StringIO) -> None:
    for fmt in ("json", "text"):
        configure_logging(fmt, "INFO", stream=stream)  # type: ignore[arg-type]
        logging.getLogger("x").info("assumed role, got SessionToken=%s", "FwoGZXIvYXdzEJr")
    assert "FwoGZXIvYXdzEJr" not in stream.getvalue()
    assert stream.getvalue().count("[REDACTED]") == 2

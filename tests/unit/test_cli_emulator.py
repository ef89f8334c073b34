"""`smpo emulator` arguments become the emulator's configuration."""

from __future__ import annotations

import pytest

from sagemaker_pipelines_operator.cli.emulator import build_config, run
from sagemaker_pipelines_operator.cli.main import build_parser


def test_flags_and_json_config_are_merged() -> None:
    args = build_parser().parse_args(
        [
            "emulator",
            "--port",
            "0",
            "--step-seconds",
            "0.5",
            "--events-file",
            "/tmp/events.jsonl",
            "--config",
            '{"max_concurrent_executions": 3, "step_seconds": 9}',
        ]
    )
    assert (args.host, args.port) == ("127.0.0.1", 0)
    config = build_config(args)
    assert config.step_seconds == 0.5  # the flag wins over --config
    assert config.max_concurrent_executions == 3
    assert config.events_path == "/tmp/events.jsonl"


def test_bad_config_is_reported_without_starting(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["emulator", "--config", '{"nope": 1}'])
    assert run(args) == 2
    assert "unknown config fields: nope" in capsys.readouterr().err

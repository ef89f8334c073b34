"""`smpo emulator` arguments become the emulator's configuration."""

from __future__ import annotations

from pathlib import Path

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


def test_outcome_rules_side_file_becomes_the_start_configuration(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {pipeline: fraud, step: Evaluate, outputs: {metrics.auc: 0.7}}\n")
    config = build_config(build_parser().parse_args(["emulator", "--outcomes", str(rules)]))
    assert config.to_json()["outcomes"] == [
        {"pipeline": "fraud", "step": "Evaluate", "outputs": {"metrics.auc": 0.7}}
    ]


def test_bad_side_file_is_reported_without_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {step: Evaluate, fail: maybe}\n")
    assert run(build_parser().parse_args(["emulator", "--outcomes", str(rules)])) == 2
    assert f"{rules}: rules[0].fail: Input should be a valid boolean" in capsys.readouterr().err

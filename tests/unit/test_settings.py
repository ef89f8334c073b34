"""`smpo run` flags and SMPO_* environment variables produce the same settings."""

from __future__ import annotations

import argparse

import pytest

from sagemaker_pipelines_operator.settings import OperatorSettings, add_arguments, from_arguments


def parse(argv: list[str]) -> OperatorSettings:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return from_arguments(parser.parse_args(argv))


def test_defaults() -> None:
    assert parse([]) == OperatorSettings()


def test_flags() -> None:
    settings = parse(
        [
            "--namespace",
            "a",
            "--namespace",
            "b",
            "--aws-tps",
            "2.5",
            "--standalone",
            "--require-namespace-role",
        ]
    )
    assert settings.namespaces == ("a", "b")
    assert settings.aws_tps == 2.5
    assert settings.peering is None
    assert settings.require_namespace_role is True


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMPO_NAMESPACES", "x,y")
    monkeypatch.setenv("SMPO_LOG_FORMAT", "json")
    monkeypatch.setenv("SMPO_ALLOW_UNMANAGED_PIPELINES", "true")
    monkeypatch.setenv("SMPO_RESYNC_SECONDS", "60")
    settings = parse([])
    assert settings.namespaces == ("x", "y")
    assert settings.log_format == "json"
    assert settings.allow_unmanaged_pipelines is True
    assert settings.resync_seconds == 60.0


def test_flag_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMPO_NAMESPACES", "x")
    assert parse(["--namespace", "z"]).namespaces == ("z",)


def test_bad_choice_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        parse(["--log-format", "xml"])


def test_every_setting_has_help() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    helps = {a.dest: a.help for a in parser._actions if a.dest != "help"}
    assert all(h and "[env SMPO_" in h for d, h in helps.items() if d not in {"standalone"})

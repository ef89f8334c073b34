"""`smpo run` flags and SMPO_* environment variables produce the same settings."""

from __future__ import annotations

import argparse

import pytest

from sagemaker_pipelines_operator.cli.main import main
from sagemaker_pipelines_operator.settings import OperatorSettings, add_arguments, from_arguments, problems


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


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        ([], None),
        (["--resync-seconds", "60", "--watch-stall-seconds", "120"], None),
        (["--resync-seconds", "900"], "--watch-stall-seconds (600) must exceed --resync-seconds (900)"),
        (["--watch-stall-seconds", "300"], "--watch-stall-seconds (300) must exceed --resync-seconds (300)"),
        (["--poll-min-seconds", "90"], "--poll-min-seconds must not exceed --poll-max-seconds"),
        (["--aws-tps", "0"], "--aws-tps must be positive"),
        (["--resync-seconds", "-1"], "--resync-seconds must be positive"),
        (
            ["--webhook-port", "9443", "--webhook-tls-cert-file", "tls.crt"],
            "--webhook-tls-cert-file and --webhook-tls-key-file go together",
        ),
        (
            ["--webhook-tls-cert-file", "tls.crt", "--webhook-tls-key-file", "tls.key"],
            "--webhook-tls-cert-file needs --webhook-port",
        ),
        (["--webhook-port", "9443", "--webhook-tls-cert-file", "c", "--webhook-tls-key-file", "k"], None),
    ],
)
def test_settings_that_cannot_work_together_are_named(argv: list[str], complaint: str | None) -> None:
    found = problems(parse(argv))
    if complaint is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(complaint), found


def test_smpo_run_refuses_inconsistent_settings_before_connecting(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--kubeconfig", "/nonexistent", "--resync-seconds", "900"])
    assert code == 2
    assert "must exceed --resync-seconds (900)" in capsys.readouterr().err

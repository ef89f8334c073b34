"""The alert rules under promtool: the committed rules file is valid, its unit tests
(tests/data/alerts-test.yaml) pass with firing and silent cases for every alert, those cases are
sharp enough to notice a broken `for`, and the chart's PrometheusRule carries the same rules."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from sagemaker_pipelines_operator.observability.alerts import (
    DEFAULT_RUNBOOK_BASE_URL,
    RULES,
    render_rules_file,
)
from sagemaker_pipelines_operator.observability.artifacts import RULES_FILE
from tests.fixtures.chart import KUBE_VERSION

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TESTS_FILE = ROOT / "tests/data/alerts-test.yaml"
CHART = ROOT / "helm/sagemaker-pipelines-operator"


def promtool_run(promtool: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool, *args], capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )


def test_rules_file_passes_promtool_check(promtool: str) -> None:
    result = promtool_run(promtool, "check", "rules", str(ROOT / RULES_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RULES)} rules found" in result.stdout


def test_promtool_unit_tests_pass(promtool: str) -> None:
    result = promtool_run(promtool, "test", "rules", str(TESTS_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_firing_and_silent_cases() -> None:
    tests = yaml.safe_load(TESTS_FILE.read_text())["tests"]
    firing: set[str] = set()
    silent: set[str] = set()
    for case in tests:
        for check in case["alert_rule_test"]:
            (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {r.name for r in RULES}
    assert firing == names, f"no firing case for {names - firing}"
    assert silent == names, f"no silent case for {names - silent}"


def test_cases_catch_rules_that_fire_too_early(promtool: str, tmp_path: Path) -> None:
    """With every `for` set to 0s, each alert that has one must fail a test case: the silent cases
    really check the waiting period, they do not pass because nothing was evaluated."""
    (tmp_path / "rules.yaml").write_text(render_rules_file(for_overrides={r.name: "0s" for r in RULES}))
    tests = yaml.safe_load(TESTS_FILE.read_text())
    tests["rule_files"] = ["rules.yaml"]
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = promtool_run(promtool, "test", "rules", "tests.yaml", cwd=tmp_path)
    assert result.returncode != 0
    failed = set(re.findall(r"alertname: (\w+), time:", result.stdout + result.stderr))
    with_for = {r.name for r in RULES if r.for_ not in ("0m", "0s")}
    assert with_for <= failed, f"zeroing `for` went unnoticed for {with_for - failed}"


def chart_rules(helm: str, *values: str) -> dict[str, object]:
    args = [helm, "template", "smpo", str(CHART), "--kube-version", KUBE_VERSION]
    args += ["--show-only", "templates/prometheusrule.yaml"]
    args += ["--set", "prometheus.rule.enabled=true", *values]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    rule: dict[str, object] = yaml.safe_load(result.stdout)
    return rule


def test_chart_prometheusrule_has_the_same_rules_as_the_plain_file(helm: str) -> None:
    selector = 'job=~".*sagemaker-pipelines-operator.*"'
    rule = chart_rules(helm, "--set-string", f"prometheus.rule.jobSelector={selector}")
    plain = yaml.safe_load((ROOT / RULES_FILE).read_text())
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"] == {"groups": plain["groups"]}  # type: ignore[index]


def test_chart_prometheusrule_defaults_to_the_release_job_and_takes_a_runbook_base(
    helm: str, promtool: str, tmp_path: Path
) -> None:
    rule = chart_rules(helm, "--set", "prometheus.rule.runbookBaseURL=https://wiki.example/runbooks")
    groups = rule["spec"]["groups"]  # type: ignore[index]
    exprs = {r["alert"]: r["expr"] for r in groups[0]["rules"]}
    assert exprs["SmpoOperatorDown"] == 'up{job="smpo-sagemaker-pipelines-operator"} == 0'
    urls = [r["annotations"]["runbook_url"] for r in groups[0]["rules"]]
    assert all(u.startswith("https://wiki.example/runbooks#") for u in urls)
    assert not any(DEFAULT_RUNBOOK_BASE_URL in u for u in urls)
    (tmp_path / "chart-rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    result = promtool_run(promtool, "check", "rules", str(tmp_path / "chart-rules.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_chart_renders_no_prometheusrule_unless_enabled(helm: str) -> None:
    args = [helm, "template", "smpo", str(CHART), "--kube-version", KUBE_VERSION]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "kind: PrometheusRule" not in result.stdout

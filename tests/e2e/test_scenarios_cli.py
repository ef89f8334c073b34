"""`smpo test` as a separate process: the examples' scenarios pass, in well under a second each, with
no network; a deliberately wrong expectation fails with a message that names step and branch."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "manifests" / "examples"
WRONG = f"""\
pipeline: fraud-detection
manifests: [{EXAMPLES / "fraud-deploy-if-better.yaml"}]
scenarios:
  - name: an AUC of 0.7 is registered anyway
    steps:
      Evaluate:
        propertyFiles: {{EvaluationReport: {{metrics: {{auc: 0.7}}}}}}
    expect:
      phase: Succeeded
      ran: [RegisterFraudModel]
      branches: {{CheckAuc: true}}
  - name: a high AUC given as an output registers
    steps:
      Evaluate: {{outputs: {{metrics.auc: 0.99}}}}
    expect: {{phase: Succeeded}}
"""
CALLBACK_UNANSWERED = f"""\
pipeline: clinical-notes-classifier
manifests: [{EXAMPLES / "clinical-notes-callback.yaml"}]
scenarios:
  - name: nobody reviews
    expect: {{phase: Succeeded}}
"""


def smpo_test(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(cwd),
        # Nothing may be reached: any AWS or Kubernetes call would go to a closed port.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_EC2_METADATA_DISABLED": "true",
        "KUBECONFIG": str(cwd / "no-kubeconfig"),
    }
    return subprocess.run(
        [sys.executable, "-m", "sagemaker_pipelines_operator", "test", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_examples_scenarios_pass_quickly_and_write_junit(tmp_path: Path) -> None:
    junit = tmp_path / "smpo-test.xml"
    done = smpo_test(str(EXAMPLES), "--junit", str(junit), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("OK: 9 scenario(s), 9 passed, 0 failed")
    for example in ("fraud-detection", "recsys-retraining", "clinical-notes-classifier"):
        assert any(line.endswith(f"tests/{example}.test.yaml") for line in lines), example
    cases = ET.parse(junit).getroot().findall("testsuite/testcase")
    assert len(cases) == 9
    assert all(case.find("failure") is None and case.find("error") is None for case in cases)
    slowest = max(float(case.get("time", "0")) for case in cases)
    print(f"smpo test: 9 scenarios, slowest {slowest * 1000:.0f} ms")
    assert slowest < 1.0, "a scenario took a second or more"


def test_wrong_expectation_fails_with_what_was_expected_and_what_happened(tmp_path: Path) -> None:
    (tmp_path / "wrong.test.yaml").write_text(WRONG)
    done = smpo_test("wrong.test.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == (
        "wrong.test.yaml\n"
        f"  FAIL  an AUC of 0.7 is registered anyway  ({_ms(done.stdout, 0)} ms)\n"
        "        phase: expected Succeeded, got Failed "
        "(Model AUC is below the threshold 0.9 - not registered)\n"
        "        step 'RegisterFraudModel' should have run, but it did not run "
        "(it is on a Condition branch that was not taken)\n"
        "        condition 'CheckAuc': expected true (IfSteps), got false (ElseSteps)\n"
        f"  PASS  a high AUC given as an output registers  ({_ms(done.stdout, 1)} ms)\n"
        f"FAILED: 2 scenario(s), 1 passed, 1 failed ({done.stdout.rsplit('(', 1)[1]}"
    )


def test_github_format_annotates_the_scenario_line(tmp_path: Path) -> None:
    (tmp_path / "wrong.test.yaml").write_text(WRONG)
    done = smpo_test("--format", "github", "wrong.test.yaml", cwd=tmp_path)
    assert done.returncode == 1
    first = done.stdout.splitlines()[0]
    assert first.startswith(
        "::error file=wrong.test.yaml,line=4,title=smpo test%3A an AUC of 0.7 is registered anyway::"
        "phase: expected Succeeded, got Failed"
    )


def test_unanswered_callback_and_missing_paths_are_reported(tmp_path: Path) -> None:
    (tmp_path / "review.test.yaml").write_text(CALLBACK_UNANSWERED)
    done = smpo_test("review.test.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert "Callback step 'ComplianceReview' waits for an answer; give one under 'callbacks'" in done.stdout
    missing = smpo_test("nowhere", cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (2, "smpo test: nowhere: no such file or directory\n")


def _ms(stdout: str, index: int) -> str:
    timings = [line.rsplit("(", 1)[1].split()[0] for line in stdout.splitlines() if line.endswith(" ms)")]
    return timings[index]

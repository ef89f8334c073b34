"""The composite GitHub action `.github/actions/smpo`, run step by step as a runner would: the
`run:` scripts with their `env:` and `if:`, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, against
the emulator. `uses:` steps (setup-python) and the pip install are skipped: this venv has smpo."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.chart import tool
from tests.fixtures.pipelines import ROLE, token

pytestmark = pytest.mark.e2e

ACTION_DIR = Path(__file__).parents[2] / ".github" / "actions" / "smpo"
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
COMPARISON = re.compile(r"^([\w.-]+)\s*(==|!=)\s*'([^']*)'$")

PIPELINE = f"""\
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: Pipeline
metadata: {{name: churn}}
spec:
  roleArn: {ROLE}
  definition:
    inline:
      Version: "2020-12-01"
      Parameters: [{{Name: Epochs, Type: Integer, DefaultValue: 20}}]
      Steps: [{{Name: Train, Type: Training, Arguments: {{}}}}]
"""


@dataclass
class Runner:
    """Just enough of a GitHub runner for one composite action."""

    workdir: Path
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    summary: Path = field(init=False)

    def __post_init__(self) -> None:
        self.summary = self.workdir / "step-summary.md"
        self.summary.write_text("")

    def value(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs":
            return self.inputs[parts[1]]
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        if expression == "github.action_path":
            return str(ACTION_DIR)
        raise AssertionError(f"expression not understood by this test runner: {expression}")

    def condition(self, text: str) -> bool:
        results = []
        for clause in text.split("&&"):
            match = COMPARISON.match(clause.strip())
            assert match, f"condition not understood by this test runner: {clause}"
            left, operator, right = match.groups()
            results.append((self.value(left) == right) == (operator == "=="))
        return all(results)

    def run_step(self, step: dict[str, Any], env: dict[str, str]) -> int:
        step_id = step.get("id", step["name"])
        output_file = self.workdir / f"output-{step_id}"
        output_file.write_text("")
        step_env = {
            key: EXPRESSION.sub(lambda m: self.value(m.group(1)), str(v))
            for key, v in step.get("env", {}).items()
        }
        done = subprocess.run(
            # What GitHub runs for `shell: bash`.
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=self.workdir,
            env={
                **env,
                **step_env,
                "GITHUB_OUTPUT": str(output_file),
                "GITHUB_STEP_SUMMARY": str(self.summary),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.logs[step_id] = done.stdout + done.stderr
        self.outputs[step_id] = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
        )
        return done.returncode


def run_action(workdir: Path, **inputs: str) -> tuple[Runner, list[tuple[str, int | None]]]:
    """Every step's id and exit code (None when skipped by its `if:`), stopping at the first failure."""
    action = yaml.safe_load((ACTION_DIR / "action.yml").read_text())
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    runner = Runner(workdir, {**values, **inputs})
    bin_dirs = [str(Path(sys.executable).parent), str(Path(tool("kubectl")).parent)]
    env = {
        **os.environ,
        "PATH": os.pathsep.join([*bin_dirs, os.environ["PATH"]]),
        "RUNNER_TEMP": str(workdir),
    }
    results: list[tuple[str, int | None]] = []
    for step in action["runs"]["steps"]:
        step_id = step.get("id", step["name"])
        if "uses" in step or step_id == "install":
            continue
        if "if" in step and not runner.condition(step["if"]):
            results.append((step_id, None))
            continue
        code = runner.run_step(step, env)
        results.append((step_id, code))
        if code != 0:
            break
    return runner, results


def test_valid_manifests_are_validated_and_diffed_into_the_job_summary(
    emulator: Any, sagemaker_client: Any, aws_test_env: dict[str, str], tmp_path: Path
) -> None:
    sagemaker_client.create_pipeline(
        PipelineName="churn",
        PipelineDefinition=json.dumps(
            {"Version": "2020-12-01", "Steps": [{"Name": "Train", "Type": "Training", "Arguments": {}}]}
        ),
        RoleArn=ROLE,
        ClientRequestToken=token(),
        Tags=[{"Key": "sagemaker.pipelines.dev/owner", "Value": "default/ml/churn"}],
    )
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "churn.yaml").write_text(PIPELINE)
    runner, results = run_action(tmp_path, paths="pipelines", namespace="ml", region="us-east-1")
    assert results == [
        ("validate", 0),
        ("test", 0),
        ("diff", 0),
        ("Fail on invalid manifests", None),
        ("Fail on failed scenarios", None),
    ]
    assert runner.outputs["validate"] == {"valid": "true"}
    summary = runner.summary.read_text()
    assert summary.startswith("## smpo validate\n\n```\nvalid: 1 resource(s) in 1 file(s)")
    assert "## smpo diff" in summary
    assert "| `Pipeline ml/churn` | `churn` (us-east-1) | **update** | definition |" in summary
    assert '+      "DefaultValue": 20,' in summary
    assert Path(runner.outputs["diff"]["file"]).read_text() in summary


def test_invalid_manifest_is_annotated_not_diffed_and_fails_the_job(tmp_path: Path) -> None:
    (tmp_path / "churn.yaml").write_text(PIPELINE.replace("Type: Training", "Type: Trainin"))
    runner, results = run_action(tmp_path, paths="churn.yaml")
    assert results == [("validate", 0), ("test", 0), ("diff", None), ("Fail on invalid manifests", 1)]
    assert runner.outputs["validate"] == {"valid": "false"}
    assert (
        "::error file=churn.yaml,line=10,title=smpo validate%3A Pipeline/churn::" in runner.logs["validate"]
    )
    assert "unknown step type 'Trainin'; did you mean 'Training'?" in runner.summary.read_text()


def test_kustomize_output_is_checked_with_its_generated_configmap(tmp_path: Path) -> None:
    base = tmp_path / "pipelines"
    base.mkdir()
    (base / "definition.json").write_text(
        '{"Version": "2020-12-01", "Steps": [{"Name": "Train", "Type": "Training", "DependsOn": ["Prep"]}]}'
    )
    (base / "churn.yaml").write_text(
        PIPELINE.split("  definition:", maxsplit=1)[0]
        + "  definition:\n    configMapRef: {name: churn-definition, key: definition.json}\n"
    )
    # As docs/pull-request-workflow.md recommends: the hashed ConfigMap name is written into the
    # Pipeline, so a definition change is a spec change.
    (base / "kustomization.yaml").write_text(
        "namespace: ml\nresources: [churn.yaml]\nconfigurations: [kustomizeconfig.yaml]\n"
        "configMapGenerator:\n  - name: churn-definition\n    files: [definition.json]\n"
    )
    (base / "kustomizeconfig.yaml").write_text(
        "nameReference:\n  - kind: ConfigMap\n    version: v1\n    fieldSpecs:\n"
        "      - {group: sagemaker.pipelines.dev, kind: Pipeline, path: spec/definition/configMapRef/name}\n"
    )
    runner, results = run_action(tmp_path, paths="pipelines/churn.yaml", kustomize="pipelines", diff="false")
    assert results == [("validate", 0), ("test", 0), ("diff", None), ("Fail on invalid manifests", 1)]
    log = runner.logs["validate"]
    assert "::warning file=pipelines/churn.yaml" in log  # alone, the ConfigMap is not there
    # From stdin: the line of the generated ConfigMap's key in `kubectl kustomize` output.
    stdin_error = r"^::error line=\d+,title=smpo validate%3A Pipeline/churn::data\.definition\.json"
    assert re.search(stdin_error, log, re.MULTILINE)
    assert "step 'Train': no step named 'Prep'" in log


SCENARIOS = """\
pipeline: churn
manifests: [..]
scenarios:
  - name: training works
    expect: {phase: Succeeded, ran: [Train]}
  - name: a failed training is caught
    steps: {Train: {fail: true}}
    expect: {phase: Succeeded}
"""


def test_failed_scenario_is_annotated_reported_in_junit_and_fails_the_job(tmp_path: Path) -> None:
    (tmp_path / "pipelines" / "tests").mkdir(parents=True)
    (tmp_path / "pipelines" / "churn.yaml").write_text(PIPELINE)
    (tmp_path / "pipelines" / "tests" / "churn.test.yaml").write_text(SCENARIOS)
    runner, results = run_action(tmp_path, paths="pipelines", diff="false")
    assert results == [
        ("validate", 0),
        ("test", 0),
        ("diff", None),
        ("Fail on invalid manifests", None),
        ("Fail on failed scenarios", 1),
    ]
    assert runner.outputs["test"]["passed"] == "false"
    assert (
        "::error file=pipelines/tests/churn.test.yaml,line=6,title=smpo test%3A a failed training is caught::"
        "phase: expected Succeeded, got Failed" in runner.logs["test"]
    )
    assert "1 passed, 1 failed" in runner.summary.read_text()
    assert 'failures="1"' in Path(runner.outputs["test"]["junit"]).read_text()

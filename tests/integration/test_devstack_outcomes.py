"""The local stack's emulator takes an outcome rules file (`smpo dev --outcomes`): the examples'
unmodified definitions run with the outcomes it gives, over HTTP; a bad file stops `smpo dev`
before anything starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sagemaker_pipelines_emulator.runner import AdminClient
from sagemaker_pipelines_operator.cli.main import main
from sagemaker_pipelines_operator.devstack.stack import LocalStack
from tests.fixtures.emulator import sagemaker_client_for
from tests.fixtures.pipelines import condition, create, fail, job, start, steps, wait

RULES = """\
rules:
  - pipeline: gated
    step: Evaluate
    propertyFiles: {Report: {metrics: {auc: 0.7}}}
"""


def test_local_stack_emulator_runs_with_the_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "outcomes.yaml"
    rules.write_text(RULES)
    stack = LocalStack(directory=tmp_path / "stack")
    try:
        stack.start_emulator(0.05, rules)
        assert stack.emulator_url is not None
        assert AdminClient(stack.emulator_url).outcomes() == [
            {"pipeline": "gated", "step": "Evaluate", "propertyFiles": {"Report": {"metrics": {"auc": 0.7}}}}
        ]
        client: Any = sagemaker_client_for(stack.emulator_url)
        auc = {
            "Std:JsonGet": {
                "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Report"},
                "Path": "metrics.auc",
            }
        }
        report = [{"PropertyFileName": "Report", "OutputName": "evaluation", "FilePath": "evaluation.json"}]
        create(
            client,
            "gated",
            job("Evaluate", PropertyFiles=report),
            condition(
                "Gate",
                [{"Type": "GreaterThanOrEqualTo", "LeftValue": auc, "RightValue": 0.8}],
                if_steps=[job("Register", "RegisterModel")],
                else_steps=[fail("TooLow", "AUC too low")],
            ),
        )
        arn = start(client, "gated")
        assert wait(client, arn)["FailureReason"] == "AUC too low"
        assert "Register" not in steps(client, arn)
    finally:
        stack.close()


def test_smpo_dev_refuses_a_bad_rules_file_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "outcomes.yaml"
    rules.write_text("rules:\n  - {step: Evaluate, propertyFile: {}}\n")
    state = tmp_path / "state"
    code = main(["dev", "--outcomes", str(rules), "--dir", str(state), "--examples", ".", "--crds", "."])
    assert code == 2
    assert capsys.readouterr().err == (
        f"smpo dev: --outcomes: {rules}: rules[0].propertyFile: Extra inputs are not permitted\n"
    )
    assert not state.exists()

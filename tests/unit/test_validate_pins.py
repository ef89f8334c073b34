"""`smpo validate` on pinned runs: an alias the Pipeline does not declare is an error (the run would
wait for ever); a pin on another version skips the parameter check with a notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagemaker_pipelines_operator.cli.main import main

PIPELINE = """\
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: Pipeline
metadata: {name: train, namespace: ml}
spec:
  roleArn: arn:aws:iam::123456789012:role/SageMakerPipelines
  versionAliases: [{name: champion, versionId: 1}, {name: challenger}]
  definition:
    inline:
      Version: "2020-12-01"
      Parameters: [{Name: Epochs, Type: Integer, DefaultValue: 10}]
      Steps: [{Name: Train, Type: Training}]
---
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: PipelineRun
metadata: {name: once, namespace: ml}
spec:
  pipelineRef: {name: train}
"""

CASES = [
    (
        "undeclared-alias",
        "{alias: ghost}",
        "{}",
        1,
        "error: PipelineRun/once: spec.pipelineVersion.alias: "
        "Pipeline 'train' declares no version alias 'ghost' (declared: challenger, champion)",
    ),
    (
        "pinned-alias-skips-parameters",
        "{alias: champion}",
        "{Layers: '3'}",
        0,
        "notice: PipelineRun/once: spec.pipelineVersion: runs a pinned version of Pipeline 'train'",
    ),
    ("pinned-id", "{id: 4}", "{Layers: '3'}", 0, "runs a pinned version"),
    ("current-alias-checks-parameters", "{alias: challenger}", "{Layers: '3'}", 1, "Layers"),
]


@pytest.mark.parametrize(("case"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pinned_runs_are_checked_against_the_declared_aliases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, str, int, str]
) -> None:
    pin, parameters, code, says = case
    path = tmp_path / "m.yaml"
    path.write_text(PIPELINE + f"  pipelineVersion: {pin}\n  parameters: {parameters}\n")
    assert main(["validate", str(path)]) == code
    assert says in capsys.readouterr().out


SCHEDULE = """\
---
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: PipelineSchedule
metadata: {name: nightly, namespace: ml}
spec:
  schedule: "@daily"
  runTemplate: {spec: {pipelineRef: {name: train}, parameters: {Epochs: "5"}}}
  variants:
"""


@pytest.mark.parametrize(
    ("variants", "code", "says"),
    [
        pytest.param(
            ["{name: champion, pipelineVersion: {alias: champio}}", "{name: challenger}"],
            1,
            "error: PipelineSchedule/nightly: spec.variants[0].pipelineVersion.alias: "
            "Pipeline 'train' declares no version alias 'champio'",
            id="undeclared-alias",
        ),
        pytest.param(
            ["{name: a}", "{name: b, parameters: {Epoch: '3'}}"],
            1,
            "error: PipelineSchedule/nightly: spec.variants[1].parameters.Epoch: unknown parameter 'Epoch'",
            id="arm-parameter-checked",
        ),
        pytest.param(
            [
                "{name: champion, pipelineVersion: {alias: champion}}",
                "{name: challenger, pipelineVersion: {alias: challenger}}",
            ],
            0,
            "notice: PipelineSchedule/nightly: spec.variants[0].pipelineVersion: runs a pinned version",
            id="pinned-arm-notice",
        ),
    ],
)
def test_schedule_variants_are_checked_as_each_arm_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], variants: list[str], code: int, says: str
) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(PIPELINE + SCHEDULE + "".join(f"    - {v}\n" for v in variants))
    assert main(["validate", str(path)]) == code
    assert says in capsys.readouterr().out

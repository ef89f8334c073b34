"""`smpo validate` as a command: output formats, exit codes, stdin, directories and bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sagemaker_pipelines_operator.cli.main import main

CORPUS = Path(__file__).parents[1] / "data" / "manifests"
GOOD = CORPUS / "good" / "deploy-if-better.yaml"
BAD = CORPUS / "bad" / "run-unknown-parameter.yaml"

PIPELINE = """\
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: Pipeline
metadata: {name: train, namespace: ml}
spec:
  roleArn: arn:aws:iam::123456789012:role/SageMakerPipelines
  definition:
    inline:
      Version: "2020-12-01"
      Parameters: [{Name: Epochs, Type: Integer, DefaultValue: 10}]
      Steps: [{Name: Train, Type: Training}]
"""
RUN_WITHOUT_NAMESPACE = """\
apiVersion: sagemaker.pipelines.dev/v1alpha1
kind: PipelineRun
metadata: {name: once}
spec:
  pipelineRef: {name: train}
  parameters: {Epochs: many}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_manifest_exits_zero_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(GOOD))
    assert code == 0
    assert out == "valid: 2 resource(s) in 1 file(s); 0 error(s), 0 warning(s), 0 notice(s)\n"


def test_invalid_manifest_prints_file_line_and_exits_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(BAD))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(
        f"{BAD}:26: error: PipelineRun/train-once: spec.parameters.Epoch: unknown parameter"
    )
    assert out.splitlines()[-1].startswith("INVALID: 2 resource(s)")


def test_json_format_lists_findings_and_resources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json", str(BAD))
    report = json.loads(out)
    assert code == 1
    assert report["valid"] is False
    assert report["counts"] == {"error": 1, "warning": 0, "notice": 0}
    [finding] = report["findings"]
    assert finding["line"] == 26
    assert finding["field"] == "spec.parameters.Epoch"
    assert finding["resource"] == "PipelineRun/train-once"
    assert [(r["kind"], r["name"]) for r in report["resources"]] == [
        ("Pipeline", "train"),
        ("PipelineRun", "train-once"),
    ]


def test_github_format_annotates_the_offending_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "github", str(BAD))
    assert code == 1
    annotation = out.splitlines()[0]
    assert annotation.startswith(
        f"::error file={BAD},line=26,title=smpo validate%3A PipelineRun/train-once::"
    )
    assert annotation.endswith("did you mean 'Epochs'?")


def test_github_format_escapes_newlines_percent_and_separators() -> None:
    from sagemaker_pipelines_operator.cli.validate import render_github
    from sagemaker_pipelines_operator.validation import Finding, ManifestSet, Severity

    finding = Finding("dir/a,b:c.yaml", 3, Severity.WARNING, "100% sure\nsecond line", "Pipeline/x")
    out = render_github(ManifestSet(sources=["dir/a,b:c.yaml"]), [finding], valid=True)
    assert out.splitlines()[0] == (
        "::warning file=dir/a%2Cb%3Ac.yaml,line=3,title=smpo validate%3A Pipeline/x"
        "::100%25 sure%0Asecond line"
    )


def test_stdin_is_read_for_dash(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            PIPELINE + "---\n" + RUN_WITHOUT_NAMESPACE.replace("{name: once}", "{name: once, namespace: ml}")
        ),
    )
    code, out, _ = run(capsys, "-")
    assert code == 1
    assert out.startswith(
        "<stdin>:17: error: PipelineRun/once: spec.parameters.Epochs: parameter 'Epochs' is Integer"
    )


def test_stdin_annotations_carry_no_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("kind: [\n"))
    code, out, _ = run(capsys, "--format", "github", "-")
    assert code == 1
    assert out.startswith("::error line=2,title=smpo validate::not valid YAML")


def test_namespace_flag_places_documents_without_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pipeline.yaml").write_text(PIPELINE)
    (tmp_path / "run.yaml").write_text(RUN_WITHOUT_NAMESPACE)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0, "without a namespace the run's Pipeline is elsewhere: only a notice"
    assert "notice: PipelineRun/once: spec.pipelineRef.name: Pipeline 'train' is not among" in out
    code, out, _ = run(capsys, "--namespace", "ml", str(tmp_path))
    assert code == 1
    assert f"{tmp_path}/run.yaml:6: error: PipelineRun/once: spec.parameters.Epochs" in out


def test_directories_are_searched_recursively_skipping_hidden_and_scenario_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pipelines" / "train").mkdir(parents=True)
    (tmp_path / "pipelines" / "train" / "pipeline.yml").write_text(PIPELINE)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "broken.yaml").write_text("not: [yaml")
    (tmp_path / "README.md").write_text("# not a manifest")
    (tmp_path / "pipelines" / "train" / "tests").mkdir()
    (tmp_path / "pipelines" / "train" / "tests" / "train.test.yaml").write_text("pipeline: train\n")
    code, out, _ = run(capsys, str(tmp_path))
    assert (code, out) == (0, "valid: 1 resource(s) in 1 file(s); 0 error(s), 0 warning(s), 0 notice(s)\n")


def test_strict_fails_on_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        PIPELINE.split("  definition:", maxsplit=1)[0]
        + "  definition:\n    configMapRef: {name: elsewhere, key: d.json}\n"
    )
    assert run(capsys, str(path))[0] == 0
    code, out, _ = run(capsys, "--strict", str(path))
    assert code == 1
    assert "warning: Pipeline/train: spec.definition.configMapRef: ConfigMap 'elsewhere' is not among" in out


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope.yaml"))
    assert (code, out) == (2, "")
    assert err == f"smpo validate: {tmp_path}/nope.yaml: no such file or directory\n"


def test_directory_without_manifests_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert "no *.yaml, *.yml or *.json files" in err


def test_no_paths_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate"])
    assert exit_info.value.code == 2
    assert "PATH" in capsys.readouterr().err


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--format", "xml", str(GOOD)])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"\xff\xfe\x00garbage", "not UTF-8 text", id="binary"),
        pytest.param(b"", "empty file: no YAML documents", id="empty"),
        pytest.param(b"---\n---\n", "empty file: no YAML documents", id="only-separators"),
        pytest.param(
            b"key: value: other\n", "not valid YAML: mapping values are not allowed here", id="not-yaml"
        ),
        pytest.param(
            b"just a sentence\n",
            "a manifest must be a mapping with apiVersion and kind, got string",
            id="scalar",
        ),
        pytest.param(
            b"apiVersion: sagemaker.pipelines.dev/v1alpha1\nkind: PipelineRunner\nmetadata: {name: x}\n",
            "unknown kind 'PipelineRunner' in sagemaker.pipelines.dev",
            id="unknown-kind",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "input.yaml"
    path.write_bytes(content)
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert message in out.splitlines()[0]
    assert out.startswith(f"{path}:")


def test_document_without_kind_is_passed_over_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 2\n")
    (tmp_path / "pipeline.yaml").write_text(PIPELINE)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0
    assert "values.yaml:1: notice: skipped: not a Kubernetes object (no apiVersion or kind)" in out

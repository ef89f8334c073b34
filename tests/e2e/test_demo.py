"""`make demo` as a newcomer runs it: `smpo dev --exit-when-done` from a clean state brings up the
whole stack, every example run ends in its expected phase, and nothing is left running."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]


def descendants_of_demo(directory: Path) -> list[psutil.Process]:
    """Processes still running that belong to this demo (by their state directory or log path)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(directory) in cmdline:
            found.append(process)
    return found


@pytest.mark.timeout(900)
def test_demo_runs_every_example_to_its_expected_phase(tmp_path: Path) -> None:
    state = tmp_path / "dev"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sagemaker_pipelines_operator",
            "dev",
            "--exit-when-done",
            "--dir",
            str(state),
            "--step-seconds",
            "0.5",
            "--metrics-port",
            "0",
            "--health-port",
            "0",
            "--timeout",
            "600",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=840,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "Summary: 3/3 pipelines Ready, 5 runs:" in output
    rows = dict(re.findall(r"^\s+(\S+)\s+(Succeeded|Failed|Stopped|CompletedWithFailures)\b", output, re.M))
    # The data-event loop: an upload to the demo bucket became a retraining run through SQS.
    triggered = [name for name in rows if name.startswith("recsys-retrain-on-upload-")]
    assert len(triggered) == 1 and rows.pop(triggered[0]) == "Succeeded", output[-4000:]
    assert re.search(r"uploaded s3://smpo-demo-training-data/interactions/\S+\.parquet", output)
    assert rows == {
        "clinical-notes-monthly": "Succeeded",
        "fraud-detection-strict-gate": "Failed",
        "fraud-detection-weekly": "Succeeded",
        "recsys-retraining-initial": "Succeeded",
    }, output[-4000:]
    assert "UNEXPECTED" not in output
    assert "AucTooLow" in output  # the failure names the failing step
    assert "export KUBECONFIG=" in output
    assert "stopped everything this command started" in output
    assert descendants_of_demo(state) == []


def test_demo_reports_missing_examples_clearly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sagemaker_pipelines_operator", "dev", "--examples", str(tmp_path / "nope")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "not found" in result.stderr

"""How `smpo run` ends on errors it can name: exit status and message, one table."""

from __future__ import annotations

import subprocess
import sys

import kubernetes
import pytest
from kubernetes.client.exceptions import ApiException

from sagemaker_pipelines_operator.cli.run import exit_for
from sagemaker_pipelines_operator.runtime.preflight import PreflightError


@pytest.mark.parametrize(
    ("exc", "code", "says"),
    [
        pytest.param(
            kubernetes.config.ConfigException("no config"), 2, "pass --kubeconfig", id="no-credentials"
        ),
        pytest.param(PreflightError("apply crds/"), 2, "apply crds/", id="cluster-lacks-a-crd"),
        pytest.param(ApiException(status=401, reason="Unauthorized"), 1, "Kubernetes API", id="api-refused"),
        pytest.param(OSError("address already in use"), 1, "address already in use", id="port-taken"),
    ],
)
def test_named_errors_map_to_an_exit_status_and_message(exc: Exception, code: int, says: str) -> None:
    status, message = exit_for(exc)
    assert status == code
    assert says in message


def test_an_unexpected_error_is_not_swallowed() -> None:
    with pytest.raises(KeyError):
        exit_for(KeyError("bug"))


def test_smpo_run_without_a_kubeconfig_says_how_to_give_one() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sagemaker_pipelines_operator",
            "run",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "pass --kubeconfig or set KUBECONFIG" in result.stderr
    assert "Traceback" not in result.stderr

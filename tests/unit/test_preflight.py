"""What `smpo run` checks before kopf starts: which peering object its settings use, which of our
kinds a cluster lacks."""

from __future__ import annotations

import pytest

from sagemaker_pipelines_operator.api.kinds import KINDS
from sagemaker_pipelines_operator.runtime.preflight import PeeringTarget, missing_kinds, peering_targets
from sagemaker_pipelines_operator.settings import OperatorSettings


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param(OperatorSettings(peering=None), [], id="standalone-needs-none"),
        pytest.param(
            OperatorSettings(),
            [PeeringTarget("clusterkopfpeerings", "sagemaker-pipelines-operator")],
            id="default-cluster-wide",
        ),
        pytest.param(
            OperatorSettings(peering="p", namespaces=("a", "b")),
            [PeeringTarget("kopfpeerings", "p", "a"), PeeringTarget("kopfpeerings", "p", "b")],
            id="one-per-watched-namespace",
        ),
    ],
)
def test_peering_targets(settings: OperatorSettings, expected: list[PeeringTarget]) -> None:
    assert peering_targets(settings) == expected


ALL = {kind.plural for kind in KINDS}


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        pytest.param(set(), [kind.kind for kind in KINDS], id="none-served"),
        pytest.param(ALL - {"pipelineschedules"}, ["PipelineSchedule"], id="one-missing"),
        pytest.param(ALL, [], id="all-served"),
    ],
)
def test_missing_kinds(served: set[str], expected: list[str]) -> None:
    assert missing_kinds(served) == expected


def test_peering_target_names_itself_for_messages() -> None:
    assert PeeringTarget("kopfpeerings", "p", "ml").describe() == "KopfPeering 'p' in namespace ml"
    assert PeeringTarget("clusterkopfpeerings", "p").describe() == "ClusterKopfPeering 'p'"

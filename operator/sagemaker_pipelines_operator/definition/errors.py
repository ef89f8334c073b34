"""DefinitionError: raised when a pipeline definition cannot be parsed; carries every problem found."""

from __future__ import annotations

from collections.abc import Sequence

from sagemaker_pipelines_operator.definition.problems import DefinitionProblem


class DefinitionError(ValueError):
    """The definition is unusable; `problems` says where and why, one entry per finding."""

    def __init__(self, problems: Sequence[DefinitionProblem]) -> None:
        self.problems: list[DefinitionProblem] = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems) or "invalid definition")

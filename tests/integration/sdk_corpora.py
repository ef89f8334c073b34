"""What both SDK fidelity corpora (2.x and 3.x) do: render a corpus script in a subprocess, check
its step types and validation, and run every pipeline to its end in the emulator. Not a plugin."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sagemaker_pipelines_operator.definition import parse_definition, validate_definition
from sagemaker_pipelines_operator.definition.steps import iter_steps
from tests.fixtures.pipelines import ROLE, start, token, wait

Corpus = dict[str, dict[str, Any]]


def render_corpus(
    python: Path | str,
    script: Path,
    output: Path,
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    label: str,
) -> Corpus:
    """Run `script OUTPUT` with `python` and parse the definitions it wrote (name -> JSON text)."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(python), str(script), str(output)],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"\n{label} corpus rendered in {time.perf_counter() - started:.1f}s")
    return {
        name: parse_definition(text, allow_yaml=False)
        for name, text in json.loads(output.read_text()).items()
    }


def missing_step_types(corpus: Corpus, expected: set[str]) -> list[str]:
    rendered = {ref.type for definition in corpus.values() for ref in iter_steps(definition)}
    return sorted(expected - rendered)


def validation_problems(corpus: Corpus) -> dict[str, list[str]]:
    """Only the pipelines with problems."""
    found = {name: [str(p) for p in validate_definition(d)] for name, d in corpus.items()}
    return {name: problems for name, problems in found.items() if problems}


def create(client: Any, name: str, definition: dict[str, Any]) -> None:
    client.create_pipeline(
        PipelineName=name, PipelineDefinition=json.dumps(definition), RoleArn=ROLE, ClientRequestToken=token()
    )


def run_every_pipeline(
    corpus: Corpus, client: Any, emulator: Any, rules: Mapping[str, list[dict[str, Any]]]
) -> tuple[dict[str, str], dict[str, str]]:
    """Create and start every pipeline under its outcome rules; (execution ARNs, end statuses)."""
    emulator.set_outcomes([rule | {"pipeline": name} for name, named in rules.items() for rule in named])
    arns = {}
    for name, definition in corpus.items():
        create(client, name, definition)
        arns[name] = start(client, name)
    ended = {name: wait(client, arn, timeout=30)["PipelineExecutionStatus"] for name, arn in arns.items()}
    return arns, ended

"""Plot the run-tracking figures `make bench` recorded: SageMaker calls per minute and completion lag
against the number of pipelines with active runs, one line per tracking mode and run count, so a
reader sees at a glance what the cost follows.

    python hack/bench/plot.py docs/benchmarks/run-tracking.json docs/benchmarks/run-tracking.svg
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt

ACK_BEST = 1.98
"""The ACK SageMaker controller's calls per execution per minute at its best (issue 20)."""


def series(points: list[dict[str, Any]]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Run-tracking points by (mode, runs), each ordered by pipeline count."""
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for point in points:
        if point.get("scenario") == "run-tracking":
            grouped[(str(point["mode"]), int(point["runs"]))].append(point)
    return {key: sorted(found, key=lambda p: int(p["pipelines"])) for key, found in sorted(grouped.items())}


def plot(points: list[dict[str, Any]], target: Path) -> None:
    plt.rcParams["svg.hashsalt"] = "smpo-bench"  # the same figures give the same file
    figure, (calls, lag) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (mode, runs), found in series(points).items():
        x = [int(p["pipelines"]) for p in found]
        style = {"marker": "o", "linestyle": "-" if mode == "events" else "--"}
        label = f"{mode}, {runs:,} runs"
        calls.plot(x, [p["calls_per_minute"] for p in found], label=label, **style)
        medians = [p["completion_lag_seconds"]["median"] for p in found]
        (line,) = lag.plot(x, medians, label=f"{label}: median", **style)
        lag.fill_between(
            x,
            medians,
            [p["completion_lag_seconds"]["p90"] for p in found],
            color=line.get_color(),
            alpha=0.15,
        )
        if mode == "polling":
            calls.plot(
                x,
                [ACK_BEST * runs] * len(x),
                color="grey",
                linestyle=":",
                label=f"ACK at its best, {runs:,} runs",
            )
    calls.set(
        xlabel="pipelines with active runs",
        ylabel="SageMaker calls per minute, while executing",
        xscale="log",
        yscale="log",
    )
    lag.set(
        xlabel="pipelines with active runs", ylabel="completion lag, s (median; band to p90)", xscale="log"
    )
    sizes = sorted({int(p["pipelines"]) for found in series(points).values() for p in found})
    for axes in (calls, lag):
        axes.set_xticks(sizes, [str(n) for n in sizes])
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=7)
    measured = sorted(
        {str(p.get("measured", ""))[:10] for p in points if p.get("scenario") == "run-tracking"}
    )
    figure.suptitle(
        f"Run tracking, 10 TPS budget, emulator at 20 ms per call ({', '.join(measured)})", fontsize=10
    )
    figure.tight_layout()
    figure.savefig(target, metadata={"Date": None})


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    if not source.exists():
        print(f"{source}: no recorded figures (run `make bench` first)", file=sys.stderr)
        return 1
    plot(json.loads(source.read_text())["points"], target)
    print(f"plotted {source} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

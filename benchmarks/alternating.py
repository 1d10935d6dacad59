"""Cases measured in turn, round after round, so that the machine's drift falls on all of them
alike (these machines vary by a tenth from hour to hour); per case, the medians."""

from __future__ import annotations

import statistics
from collections.abc import Callable


def alternate(cases: dict[str, Callable[[], tuple[float, ...]]], repeats: int) -> dict[str, list[float]]:
    """Runs every case once per round, ``repeats`` rounds, in the dict's order; per case, the
    median of each value it returns, rounded to 2 decimals."""
    measured: dict[str, list[tuple[float, ...]]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, case in cases.items():
            measured[name].append(case())
    return {
        name: [round(statistics.median(values), 2) for values in zip(*rounds, strict=True)]
        for name, rounds in measured.items()
    }

"""A deployment's logged surprise per context of this study's world (gravity 10, 16, 10, 13, 16;
8k world steps each): count, median, lowest. Read from the run's TensorBoard events, as the
README's reading of the gated hand-back's pilot was.

    .venv/bin/python experiments/self_evolution_pendulum/surprise_by_context.py \
        runs/self_evolution_pendulum_pilot/s100/takeover_dyna_home evolve/takeover_surprise
"""

from __future__ import annotations

import sys
from collections import defaultdict
from statistics import median

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

CONTEXTS = ["1: g=10", "2: g=16", "3: g=10", "4: g=13", "5: g=16"]
CONTEXT_STEPS = 8000


def main(run: str, tag: str) -> None:
    events = EventAccumulator(f"{run}/tb")
    events.Reload()
    values: dict[str, list[float]] = defaultdict(list)
    for scalar in events.Scalars(tag):
        values[CONTEXTS[min(scalar.step // CONTEXT_STEPS, len(CONTEXTS) - 1)]].append(scalar.value)
    for context in CONTEXTS:
        if values[context]:
            v = values[context]
            print(f"{context}: {len(v)} episodes, median {median(v):.2f}, lowest {min(v):.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""The pilots' raw rows (pilot_changing.csv): one per run folder given, read from its
summary.json and episodes.csv. A run folder is <runs>/<world>/<loop>/s<seed>, as pilot.sh
writes them.

    .venv/bin/python experiments/self_evolution_shadow/pilot_rows.py \
        runs/self_evolution_shadow_pilot/cartpole_*/*/s10[0-4] > rows.csv
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

FIELDS = [
    "world",
    "loop",
    "seed",
    "episodes",
    "changes_at_episode",
    "alarm_signals",
    "time_weighted_normalised_return",
    "promotions",
    "gate_steps",
    "git_revision",
]


def row(run: Path) -> dict[str, object]:
    """What the pilot tables read from one run: every change of the physics and every alarm by
    episode, the run's figure, its promotions and its world steps in gates."""
    summary = json.loads((run / "summary.json").read_text())
    with (run / "episodes.csv").open() as f:
        dynamics = [r["dynamics"] for r in csv.DictReader(f)]
    changes = [i for i in range(1, len(dynamics)) if dynamics[i] != dynamics[i - 1]]
    return {
        "world": summary["dynamics"],
        "loop": run.parent.name,
        "seed": summary["seed"],
        "episodes": summary["episodes"],
        "changes_at_episode": ";".join(map(str, changes)),
        "alarm_signals": ";".join(f"{a['signal']}@{a['episode']}" for a in summary["alarms"]),
        "time_weighted_normalised_return": round(summary["time_weighted_normalised_return"], 4),
        "promotions": len(summary["promotions"]),
        "gate_steps": summary["steps_by_role"]["gate"],
        "git_revision": summary["git_revision"],
    }


def main(folders: list[str]) -> None:
    writer = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
    writer.writeheader()
    for folder in folders:
        writer.writerow(row(Path(folder)))


if __name__ == "__main__":
    main(sys.argv[1:])

"""The pilots' raw rows (pilot_changing.csv): one per run folder given, read from its
summary.json and episodes.csv. A run folder is <runs>/<world>/<loop>/s<seed>, as pilot.sh
writes them.

    .venv/bin/python experiments/self_evolution_shadow/pilot_rows.py \
        runs/self_evolution_shadow_pilot/cartpole_*/*/s10[0-4] > rows.csv

With ``--paired A B <rows.csv>``: loop B − loop A per world step, paired by world and seed, its
mean and Student-t 95% interval (the rule that chose the clip).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from rl_evolve.scoring.stats import t_interval

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


def paired(a: str, b: str, table: str) -> str:
    """Loop ``b`` − loop ``a`` over the (world, seed) pairs both ran, as one line."""
    with open(table) as f:
        rows = list(csv.DictReader(f))
    value = {(r["loop"], r["world"], r["seed"]): float(r["time_weighted_normalised_return"]) for r in rows}
    pairs = sorted(
        {(w, s) for loop, w, s in value if loop == a} & {(w, s) for loop, w, s in value if loop == b}
    )
    centre, low, high = t_interval([value[(b, w, s)] - value[(a, w, s)] for w, s in pairs])
    return f"{b} - {a} over {len(pairs)} runs: {centre:+.3f} [{low:+.2f}, {high:+.2f}] (Student-t 95%)"


def main(folders: list[str]) -> None:
    writer = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
    writer.writeheader()
    for folder in folders:
        writer.writerow(row(Path(folder)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--paired"]:
        print(paired(*sys.argv[2:5]))
    else:
        main(sys.argv[1:])

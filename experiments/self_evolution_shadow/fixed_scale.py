"""Post-hoc (not pre-registered): the study's main figure on one scale for every seed.

The pre-registered normalised return puts 1 at each seed's own champion at home; a weak champion
(seed 4's averages 94 at home) makes that scale small, and its seed then weighs several times more
than the others in every mean. Here 1 is CartPole's episode cap (500) for every seed, 0 stays the
seed's measured random-policy return. Reads the study's run folders; writes ``fixed_scale.csv``
(one row per run) and prints the paired differences with Student-t 95% intervals::

    .venv/bin/python experiments/self_evolution_shadow/fixed_scale.py runs/self_evolution_shadow
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from rl_evolve.report.sections.evolve import variant_name
from rl_evolve.scoring.stats import t_interval

CAP = 500.0


def per_step(folder: Path, random_return: float) -> float:
    with (folder / "episodes.csv").open() as f:
        rows = list(csv.DictReader(f))
    returns = np.array([float(r["return"]) for r in rows])
    lengths = np.array([int(r["length"]) for r in rows])
    return float(np.average((returns - random_return) / (CAP - random_return), weights=lengths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("::")[0])
    parser.add_argument("runs", type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "fixed_scale.csv")
    args = parser.parse_args()
    rows = []
    for summary_path in sorted(args.runs.rglob("summary.json")):
        summary = json.loads(summary_path.read_text())
        if summary.get("task") != "evolve" or summary.get("status") != "completed":
            continue
        strategy = summary["strategy"]
        if strategy == "evolve":
            strategy = variant_name(summary.get("evolve") or {})
        random_return = summary["reference_returns"]["random"]
        rows.append(
            {
                "dynamics": summary["dynamics"],
                "strategy": strategy,
                "seed": summary["seed"],
                "per_step_on_fixed_scale": per_step(summary_path.parent, random_return),
            }
        )
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: (r["dynamics"], r["strategy"], r["seed"])))
    table: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        table[r["dynamics"]][r["strategy"]][r["seed"]] = r["per_step_on_fixed_scale"]
    for world, by_strategy in sorted(table.items()):
        print(f"## {world}")
        for strategy, by_seed in sorted(by_strategy.items()):
            print(f"  {strategy}: mean {np.mean(list(by_seed.values())):.3f} over {len(by_seed)} seeds")
        for variant in [v for v in by_strategy if v.startswith("evolve")]:
            for other in ("static", "continual"):
                seeds = sorted(set(by_strategy[variant]) & set(by_strategy.get(other, {})))
                if seeds:
                    mean, low, high = t_interval(
                        [by_strategy[variant][s] - by_strategy[other][s] for s in seeds]
                    )
                    print(f"  {variant} - {other}: {mean:+.3f} [{low:+.3f}, {high:+.3f}] (n={len(seeds)})")


if __name__ == "__main__":
    main()

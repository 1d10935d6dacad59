"""results.csv, results.md and lengths.png from the study's runs (run.sh).

Normalised return: 0 a uniformly random policy's mean (23.7), 1 CartPole's solved level (475),
clipped to [0, 1]. Per seed and agent, the mean over the grid's lengths inside the training
range [0.25, 1.0] and outside it (1.5 to 3.0); intervals are 95% t-intervals over the seeds.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from scipy import stats

from rl_evolve.scoring.normalise import normalise

AGENTS = ["standard", "blind", "recurrent", "observed", "estimated"]
RANGE = (0.25, 1.0)
RANDOM, SOLVED = 23.7, 475.0


def t_interval(values: list[float]) -> tuple[float, float, float]:
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, len(values) - 1) * stats.sem(values))
    return mean, mean - half, mean + half


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = []
    for seed_dir in sorted(args.runs.glob("s*")):
        seed = int(seed_dir.name[1:])
        for agent in AGENTS:
            grid = seed_dir / agent / "map" / "grid.csv"
            if not grid.is_file():
                continue
            with grid.open() as f:
                for r in csv.DictReader(f):
                    length, mean = float(r["length"]), float(r["mean_return"])
                    rows.append(
                        {
                            "seed": seed,
                            "agent": agent,
                            "length": length,
                            "mean_return": mean,
                            "normalised": normalise(mean, RANDOM, SOLVED),
                            "inside": RANGE[0] <= length <= RANGE[1],
                        }
                    )
    with (args.out / "results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    seeds = sorted({r["seed"] for r in rows})

    def cell_mean(agent: str, seed: int, inside: bool) -> float:
        return float(
            np.mean(
                [
                    r["normalised"]
                    for r in rows
                    if r["agent"] == agent and r["seed"] == seed and r["inside"] == inside
                ]
            )
        )

    per_seed = {
        (a, s, inside): cell_mean(a, s, inside)
        for a in AGENTS
        for s in seeds
        for inside in (True, False)
        if any(r["agent"] == a and r["seed"] == s for r in rows)
    }
    lines = [
        f"Seeds {', '.join(map(str, seeds))}; mean normalised return, 95% t-interval over seeds.",
        "",
        "| agent | inside [0.25, 1.0] | outside (1.5-3.0) |",
        "|---|---|---|",
    ]
    summary = {}
    for agent in AGENTS:
        cells = []
        for inside in (True, False):
            values = [per_seed[(agent, s, inside)] for s in seeds if (agent, s, inside) in per_seed]
            mean, low, high = t_interval(values) if values else (float("nan"),) * 3
            summary[f"{agent}_{'inside' if inside else 'outside'}"] = {
                "mean": mean,
                "low": low,
                "high": high,
                "per_seed": values,
            }
            cells.append(f"{mean:.2f} [{low:.2f}, {high:.2f}]")
        lines.append(f"| {agent} | {cells[0]} | {cells[1]} |")
    lines += [
        "",
        "Paired by seed, outside the range (mean difference, 95% t-interval):",
        "",
        "| comparison | difference |",
        "|---|---|",
    ]
    pairs = {}
    for a, b in [
        ("recurrent", "observed"),
        ("estimated", "observed"),
        ("recurrent", "blind"),
        ("estimated", "blind"),
        ("observed", "blind"),
    ]:
        both = [s for s in seeds if (a, s, False) in per_seed and (b, s, False) in per_seed]
        mean, low, high = t_interval([per_seed[(a, s, False)] - per_seed[(b, s, False)] for s in both])
        pairs[f"{a}-{b}"] = {"mean": mean, "low": low, "high": high}
        lines.append(f"| {a} - {b} | {mean:+.2f} [{low:+.2f}, {high:+.2f}] |")
    identifiers = {}
    for seed_dir in sorted(args.runs.glob("s*")):
        summary_file = seed_dir / "sysid" / "identify" / "summary.json"
        if summary_file.is_file():
            held = json.loads(summary_file.read_text())["identification"]["held_out"]["length"]
            identifiers[seed_dir.name] = {"r2": held["r2"], "mae": held["mae"]}
    if identifiers:
        lines += [
            "",
            "Identifier on held-out collected episodes (inside the range): "
            + ", ".join(f"{k}: R2 {v['r2']:.3f}, error {v['mae']:.3f}" for k, v in identifiers.items()),
        ]
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    figures = {"agents": summary, "paired_outside": pairs, "identifiers": identifiers}
    (args.out / "summary.json").write_text(json.dumps(figures, indent=2))
    print("\n".join(lines))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lengths = sorted({r["length"] for r in rows})
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for agent in AGENTS:
        means = [
            np.mean([r["normalised"] for r in rows if r["agent"] == agent and r["length"] == x])
            for x in lengths
        ]
        ax.plot(lengths, means, marker="o", label=agent)
    ax.axvspan(*RANGE, color="grey", alpha=0.15, label="training range")
    ax.set_xlabel("pole length (half, Gymnasium's `length`)")
    ax.set_ylabel("normalised return (mean over seeds)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out / "lengths.png", dpi=120)


if __name__ == "__main__":
    main()

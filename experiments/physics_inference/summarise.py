"""Results tables, a summary and a figure from the study's runs (run.sh, run_pendulum.sh).

Normalised return: 0 a uniformly random policy's mean, 1 the env's reference level, clipped to
[0, 1]. CartPole: 23.7 and its solved level 475. Pendulum: -1207.6 and -157.0, the zoo's
published SAC agent on Pendulum-v1 (benchmark.md). Per seed and agent, the mean over the grid's
cells inside the training range (every parameter inside) and outside it (any parameter outside);
intervals are 95% t-intervals over the seeds.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rl_evolve.scoring.normalise import normalise
from rl_evolve.scoring.stats import t_interval


@dataclass(frozen=True)
class Study:
    ranges: dict[str, tuple[float, float]]  # the training range of every randomised parameter
    random: float
    reference: float
    agents: tuple[str, ...]
    suffix: str  # of the files written: results<suffix>.csv, results<suffix>.md, ...
    outside: str  # the grid's cells outside the range, in words


BASE = ("standard", "blind", "recurrent", "observed", "estimated")
STUDIES = {
    "cartpole": Study({"length": (0.25, 1.0)}, 23.7, 475.0, BASE, "", "1.5-3.0"),
    "pendulum": Study(
        {"m": (0.5, 1.5), "l": (0.5, 1.5)},
        -1207.6,
        -157.0,
        (*BASE, "recurrent_100k"),
        "_pendulum",
        "m or l 2.0-2.5",
    ),
}
PAIRS = [
    ("recurrent", "observed"),
    ("estimated", "observed"),
    ("recurrent", "blind"),
    ("estimated", "blind"),
    ("observed", "blind"),
    ("recurrent_100k", "observed"),  # Pendulum only: RecurrentPPO at its own zoo budget
    ("recurrent_100k", "blind"),
]


def read_rows(runs: Path, study: Study) -> list[dict]:
    rows = []
    for seed_dir in sorted(runs.glob("s*")):
        for agent in study.agents:
            grid = seed_dir / agent / "map" / "grid.csv"
            if not grid.is_file():
                continue
            with grid.open() as f:
                for r in csv.DictReader(f):
                    cell = {p: float(r[p]) for p in study.ranges}
                    mean = float(r["mean_return"])
                    rows.append(
                        {
                            "seed": int(seed_dir.name[1:]),
                            "agent": agent,
                            **cell,
                            "mean_return": mean,
                            "normalised": normalise(mean, study.random, study.reference),
                            "inside": all(lo <= cell[p] <= hi for p, (lo, hi) in study.ranges.items()),
                        }
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--env", choices=sorted(STUDIES), default="cartpole")
    args = parser.parse_args()
    study = STUDIES[args.env]
    rows = read_rows(args.runs, study)
    with (args.out / f"results{study.suffix}.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    seeds = sorted({r["seed"] for r in rows})
    per_seed = {}
    for r in rows:
        per_seed.setdefault((r["agent"], r["seed"], r["inside"]), []).append(r["normalised"])
    per_seed = {k: float(np.mean(v)) for k, v in per_seed.items()}
    inside = ", ".join(f"{p} in [{lo}, {hi}]" for p, (lo, hi) in study.ranges.items())
    lines = [
        f"Seeds {', '.join(map(str, seeds))}; mean normalised return, 95% t-interval over seeds.",
        "",
        f"| agent | inside ({inside}) | outside ({study.outside}) |",
        "|---|---|---|",
    ]
    summary = {}
    for agent in study.agents:
        cells = []
        for where in (True, False):
            values = [per_seed[(agent, s, where)] for s in seeds if (agent, s, where) in per_seed]
            if not values:
                continue
            mean, low, high = t_interval(values)
            summary[f"{agent}_{'inside' if where else 'outside'}"] = {
                "mean": mean,
                "low": low,
                "high": high,
                "per_seed": values,
            }
            cells.append(f"{mean:.2f} [{low:.2f}, {high:.2f}]")
        if cells:
            lines.append(f"| {agent} | {' | '.join(cells)} |")
    lines += [
        "",
        "Paired by seed, outside the range (mean difference, 95% t-interval):",
        "",
        "| comparison | difference |",
        "|---|---|",
    ]
    pairs = {}
    for a, b in PAIRS:
        both = [s for s in seeds if (a, s, False) in per_seed and (b, s, False) in per_seed]
        if not both:
            continue
        mean, low, high = t_interval([per_seed[(a, s, False)] - per_seed[(b, s, False)] for s in both])
        pairs[f"{a}-{b}"] = {"mean": mean, "low": low, "high": high}
        lines.append(f"| {a} - {b} | {mean:+.2f} [{low:+.2f}, {high:+.2f}] |")
    identifiers = {}
    for seed_dir in sorted(args.runs.glob("s*")):
        summary_file = seed_dir / "sysid" / "identify" / "summary.json"
        if summary_file.is_file():
            held = json.loads(summary_file.read_text())["identification"]["held_out"]
            identifiers[seed_dir.name] = {
                p: {"r2": held[p]["r2"], "mae": held[p]["mae"]} for p in study.ranges
            }
    if identifiers:
        scores = [
            f"{k}: " + ", ".join(f"{p} R2 {v['r2']:.3f}, error {v['mae']:.3f}" for p, v in per.items())
            for k, per in identifiers.items()
        ]
        lines += ["", "Identifier on held-out collected episodes (inside the range): " + "; ".join(scores)]
    (args.out / f"results{study.suffix}.md").write_text("\n".join(lines) + "\n")
    figures = {"agents": summary, "paired_outside": pairs, "identifiers": identifiers}
    (args.out / f"summary{study.suffix}.json").write_text(json.dumps(figures, indent=2))
    print("\n".join(lines))
    plot(rows, study, args.out)


def plot(rows: list[dict], study: Study, out: Path) -> None:
    """Normalised return over each parameter (mean over seeds and the other parameters)."""
    from rl_evolve.tracking.figures import pyplot, save_figure

    plt = pyplot()
    params = list(study.ranges)
    fig, axes = plt.subplots(1, len(params), figsize=(6 * len(params), 3.5), squeeze=False)
    for ax, param in zip(axes[0], params, strict=True):
        values = sorted({r[param] for r in rows})
        for agent in study.agents:
            means = [
                np.mean([r["normalised"] for r in rows if r["agent"] == agent and r[param] == x])
                for x in values
            ]
            ax.plot(values, means, marker="o", label=agent)
        ax.axvspan(*study.ranges[param], color="grey", alpha=0.15, label="training range")
        ax.set_xlabel("pole length (half, Gymnasium's `length`)" if param == "length" else param)
        ax.set_ylabel("normalised return (mean over seeds)")
        ax.legend(fontsize=7)
    save_figure(fig, out / ("lengths.png" if study.suffix == "" else f"params{study.suffix}.png"), dpi=120)


if __name__ == "__main__":
    main()

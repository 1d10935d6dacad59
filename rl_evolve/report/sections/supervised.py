"""The supervised section of a report: per model and dataset, test accuracy and macro F1 over
seeds (mean and 95% percentile-bootstrap interval), one row per run in ``supervised_runs.csv``."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

from rl_evolve.scoring.stats import mean_interval

KIND = "supervised"
FIELDS = ["model", "data", "seed", "test_accuracy", "test_f1", "best_epoch", "epochs_run", "run_dir"]


def load(folder: Path, summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": summary["model"],
        "data": summary["data"],
        "seed": summary["seed"],
        "test_accuracy": summary["test"]["accuracy"],
        "test_f1": summary["test"]["f1"],
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "run_dir": str(folder),
    }


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        groups[f"{run['model']}/{run['data']}"].append(run)
    return {
        name: {
            "seeds": sorted(r["seed"] for r in rows),
            "test_accuracy": mean_interval([r["test_accuracy"] for r in rows]),
            "test_f1": mean_interval([r["test_f1"] for r in rows]),
        }
        for name, rows in sorted(groups.items())
    }


def write(report: dict[str, Any], runs: list[dict[str, Any]], out: Path) -> None:
    with open(out / "supervised_runs.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(sorted(runs, key=lambda r: (r["model"], r["data"], r["seed"])))


def markdown(report: dict[str, Any], out: Path) -> str:
    lines = ["## Supervised", "", "| model/data | seeds | test accuracy | macro F1 |", "|---|---|---|---|"]
    for name, g in report.items():
        acc, f1 = g["test_accuracy"], g["test_f1"]
        lines.append(
            f"| {name} | {len(g['seeds'])} | {acc[0]:.3f} [{acc[1]:.3f}, {acc[2]:.3f}] | "
            f"{f1[0]:.3f} [{f1[1]:.3f}, {f1[2]:.3f}] |"
        )
    lines += [
        "",
        "Mean over seeds [95% percentile bootstrap of the mean]; per run: `supervised_runs.csv`.",
        "",
    ]
    return "\n".join(lines)

"""Aggregates the PER-vs-uniform sweep: seeds reaching 475 and steps to get there.

    .venv/bin/python experiments/per_cartpole/report.py runs/per_cartpole

Reads every run folder below the given folder (summary.json, evaluations.npz, .hydra), writes
``results.csv`` (one row per run) and ``results.json`` (the per-scheme table) beside this file.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
THRESHOLD = 475.0


def run_rows(root: Path) -> list[dict]:
    rows = []
    for summary_path in sorted(root.rglob("summary.json")):
        run = summary_path.parent
        summary = json.loads(summary_path.read_text())
        config = yaml.safe_load((run / ".hydra" / "config.yaml").read_text())
        evals = np.load(run / "evaluations.npz")
        means = evals["results"].mean(axis=1)
        reached = np.flatnonzero(means >= THRESHOLD)
        rows.append(
            {
                "replay": config["replay"]["name"],
                "seed": summary["seed"],
                "reached_475": bool(reached.size),
                "steps_to_475": int(evals["timesteps"][reached[0]]) if reached.size else None,
                "best_eval": summary["best_eval"]["mean"],
                "final_eval": summary["final_eval"]["mean"],
                "fps": summary["fps"],
                "wall_time_s": summary["wall_time_s"],
                "run": str(run),
            }
        )
    return rows


def table(rows: list[dict]) -> dict:
    out = {}
    for replay in sorted({r["replay"] for r in rows}):
        mine = [r for r in rows if r["replay"] == replay]
        steps = [r["steps_to_475"] for r in mine if r["reached_475"]]
        out[replay] = {
            "seeds": len(mine),
            "reached_475": sum(r["reached_475"] for r in mine),
            "median_steps_to_475": statistics.median(steps) if steps else None,
            "steps_to_475": steps,
            "median_final_eval": statistics.median(r["final_eval"] for r in mine),
            "final_evals": [r["final_eval"] for r in mine],
            "median_fps": statistics.median(r["fps"] for r in mine),
        }
    return out


def main() -> None:
    rows = run_rows(Path(sys.argv[1]))
    with open(HERE / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = table(rows)
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| replay | seeds reaching 475 | median steps to 475 | final evals (per seed) | median fps |")
    print("|---|---|---|---|---|")
    for replay, r in result.items():
        print(
            f"| {replay} | {r['reached_475']}/{r['seeds']} | {r['median_steps_to_475']} | "
            f"{', '.join(f'{x:.0f}' for x in r['final_evals'])} | {r['median_fps']:.0f} |"
        )


if __name__ == "__main__":
    main()

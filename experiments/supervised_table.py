"""One row per supervised run under a folder (test accuracy, macro F1, epochs), and the mean.

.venv/bin/python experiments/supervised_table.py runs/supervised_mnist --out results.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runs", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    summaries = [json.loads(p.read_text()) for p in sorted(args.runs.rglob("summary.json"))]
    rows = [
        {
            "seed": s["seed"],
            "test_accuracy": s["test"]["accuracy"],
            "test_f1": s["test"]["f1"],
            "best_epoch": s["best_epoch"],
            "epochs_run": s["epochs_run"],
            "wall_time_s": s.get("wall_time_s"),
            "run_dir": s["run_dir"],
        }
        for s in summaries
        if s.get("status") == "completed"
    ]
    rows.sort(key=lambda r: r["seed"])
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    print("| seed | test accuracy | macro F1 | best epoch / epochs run |\n|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['seed']} | {r['test_accuracy']:.4f} | {r['test_f1']:.4f} | "
            f"{r['best_epoch']} / {r['epochs_run']} |"
        )
    for key in ("test_accuracy", "test_f1"):
        values = [r[key] for r in rows]
        print(f"{key}: mean {statistics.mean(values):.4f}, min {min(values):.4f}, max {max(values):.4f}")


if __name__ == "__main__":
    main()

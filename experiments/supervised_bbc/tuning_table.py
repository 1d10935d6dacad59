"""One CSV row per tuning run (variant, seed, best validation accuracy, test figures) and each
variant's means on stdout; the variant is the run's folder under the tuning experiment::

    .venv/bin/python experiments/supervised_bbc/tuning_table.py runs/supervised_bbc_tuning \
        --out experiments/supervised_bbc/tuning.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from collections import defaultdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runs", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = []
    for path in sorted(args.runs.rglob("summary.json")):
        summary = json.loads(path.read_text())
        rows.append(
            {
                "variant": path.relative_to(args.runs).parts[0],
                "seed": summary["seed"],
                "best_val_accuracy": summary["validation_best"],
                "best_epoch": summary["best_epoch"],
                "epochs": summary["epochs_run"],
                "test_accuracy": summary["test"]["accuracy"],
                "test_f1": summary["test"]["f1"],
            }
        )
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    by_variant = defaultdict(list)
    for row in rows:
        by_variant[row["variant"]].append(row)
    for variant, runs in sorted(by_variant.items()):
        validation = statistics.mean(r["best_val_accuracy"] for r in runs)
        test = statistics.mean(r["test_accuracy"] for r in runs)
        print(f"{variant}: {len(runs)} seeds, validation {validation:.4f}, test {test:.4f}")


if __name__ == "__main__":
    main()

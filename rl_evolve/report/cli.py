"""``rl-evolve-report``: one report for any set of runs: a sweep section for RL training runs
(grouped by the overrides that differ between them), a curriculum section for curriculum runs,
and an evaluations section linking each ``task=evaluate`` run's map and videos.

    rl-evolve -m algo=dqn replay=uniform,prioritized seed=0,1,2,3,4
    rl-evolve-report runs/default/multirun_<time> --out experiments/my_study
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from rl_evolve.curriculum import report as curriculum
from rl_evolve.report import evaluations, plots, sweep
from rl_evolve.report.runs import group, load_train_runs


def _writable(out: Path) -> str | None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write_test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        return f"--out {out} cannot be written: {exc.strerror or exc}"
    return None


def _sweep_section(roots: list[Path], out: Path) -> tuple[dict[str, Any] | None, str]:
    runs = load_train_runs(roots)
    if not runs:
        return None, ""
    report = sweep.analyse(group(runs))
    with open(out / "runs.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["group", "seed", "env", "final_return", "best_return", "run_dir"])
        writer.writerows(sweep.rows(report))
    plots.aggregates(report, out / "aggregates.png")
    plots.profiles(report, out / "profiles.png")
    plots.curves(report, out / "sample_efficiency.png")
    plots.tensorboard(report, out / "tensorboard")
    return report, sweep.markdown(report)


def _curriculum_section(roots: list[Path], out: Path) -> tuple[dict[str, Any] | None, str]:
    runs = curriculum.load_runs(roots)
    if not runs:
        return None, ""
    report = curriculum.aggregate(runs)
    curriculum.write_csv(runs, out / "results.csv")
    names = sorted({r["curriculum"] for r in runs})
    for name in names:
        suffix = "" if len(names) == 1 else f"_{name}"
        curriculum.plot_curves([r for r in runs if r["curriculum"] == name], out / f"curves{suffix}.png")
    return report, curriculum.markdown(report)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="rl-evolve-report", description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path, help="folders holding run folders (any depth)")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for report.md, report.json, CSVs, PNGs"
    )
    args = parser.parse_args(argv)
    missing = [str(r) for r in args.roots if not r.is_dir()]
    if missing:
        parser.error(f"not a folder: {', '.join(missing)}")
    problem = _writable(args.out)
    if problem:
        parser.error(problem)
    sweep_report, sweep_text = _sweep_section(args.roots, args.out)
    curriculum_report, curriculum_text = _curriculum_section(args.roots, args.out)
    found = evaluations.collect(args.roots)
    if sweep_report is None and curriculum_report is None and not found:
        parser.error(
            f"no completed training, curriculum or evaluation runs under {', '.join(map(str, args.roots))}"
        )
    evaluations_text = evaluations.markdown(found, args.out) if found else ""
    text = (
        "# Report\n\n"
        + f"Runs under: {', '.join(map(str, args.roots))}\n\n"
        + sweep_text
        + curriculum_text
        + evaluations_text
    )
    (args.out / "report.md").write_text(text)
    (args.out / "report.json").write_text(
        json.dumps({"sweep": sweep_report, "curriculum": curriculum_report}, indent=2) + "\n"
    )
    print(text)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()

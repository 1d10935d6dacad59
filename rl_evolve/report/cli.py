"""``rl-evolve-report``: one report for any set of runs, one section per kind of run found (RL
training runs grouped by the overrides that differ between them, curricula, self-evolution
deployments, supervised classifiers, evaluations).

    rl-evolve -m algo=dqn replay=uniform,prioritized seed=0,1,2,3,4
    rl-evolve-report runs/default/multirun_<time> --out experiments/my_study
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rl_evolve.errors import ConfigError
from rl_evolve.report.sections import SECTIONS
from rl_evolve.tracking.run_folder import find_runs


def _writable(out: Path) -> str | None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write_test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        return f"--out {out} cannot be written: {exc.strerror or exc}"
    return None


def report(roots: list[Path], out: Path) -> tuple[dict[str, Any], str]:
    """Every section that has completed runs below ``roots``: its statistics and its text; each
    section writes its own files into ``out``."""
    completed = [(folder, s) for folder, s in find_runs(roots) if s.get("status") == "completed"]
    data, text = {}, ""
    for name, section in SECTIONS.items():
        runs = [section.load(folder, s) for folder, s in completed if s.get("task") == section.KIND]
        runs = [r for r in runs if r is not None]
        if runs:
            data[name] = section.aggregate(runs)
            section.write(data[name], runs, out)
            text += section.markdown(data[name], out)
    return data, text


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
    try:
        data, body = report(args.roots, args.out)
    except ConfigError as exc:
        parser.error(str(exc))
    if not data:
        parser.error(f"no completed runs of any kind under {', '.join(map(str, args.roots))}")
    text = f"# Report\n\nRuns under: {', '.join(map(str, args.roots))}\n\n{body}"
    (args.out / "report.md").write_text(text)
    (args.out / "report.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(text)
    print(f"written to {args.out}")


def evolve_report(argv: list[str] | None = None) -> None:
    """``rl-evolve-evolve-report``, kept for one release: says where it went, then runs it."""
    print(
        "rl-evolve-evolve-report is deprecated: its tables are the evolve section of "
        "rl-evolve-report <folders> --out <folder>",
        file=sys.stderr,
    )
    main(argv)


if __name__ == "__main__":
    main()

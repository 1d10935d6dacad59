"""How long an ``rl-evolve`` process takes to exit once its work is done: Python's default exit,
whose last garbage collection walks every object torch, SB3 and Hydra made, against rl-evolve's
(``rl_evolve.runtime.collect_nothing_at_exit``: ``gc.freeze`` from an exit handler, so the
collection skips them).

Each case is a fresh process running the command line's ``main``; for Python's default it
unregisters the handler once ``main`` returns. The process prints the time when ``main``
returned; "exit" is the time from then to the process's end, "wall" the whole process. Cases
alternate, ``--repeats`` times each; the table gives medians.

Usage (about two minutes on 2 cores)::

    .venv/bin/python benchmarks/exit_time.py --out benchmarks/results/exit_time.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alternating import alternate

CHILD = """
import atexit, gc, sys, time
from rl_evolve.cli import main
exit_kind, sys.argv = sys.argv[1], ["rl-evolve", *sys.argv[2:]]
try:
    main()
finally:
    if exit_kind == "python":
        atexit.unregister(gc.freeze)  # Python's default exit
    print(f"main returned at {time.time()}", file=sys.stderr, flush=True)
"""

COMMANDS = {
    "rl-evolve --cfg job": ["--cfg", "job"],
    "rl-evolve algo=dqn total_timesteps=300": [
        "algo=dqn",
        "total_timesteps=300",
        "eval.freq=150",
        "checkpoint.freq=150",
        "progress_bar=false",
    ],
}


def one_case(exit_kind: str, args: list[str]) -> tuple[float, float]:
    """(exit seconds, wall seconds) of one fresh process."""
    with tempfile.TemporaryDirectory() as cwd:
        start = time.time()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, exit_kind, *args],
            cwd=cwd,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        end = time.time()
    returned = float(done.stderr.rsplit("main returned at ", 1)[1].split()[0])
    return end - returned, end - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    for name, command in COMMANDS.items():
        medians = alternate(
            {
                exit_kind: functools.partial(one_case, exit_kind, command)
                for exit_kind in ("python", "rl_evolve")
            },
            args.repeats,
        )
        row: dict[str, object] = {"command": name}
        for exit_kind, (exit_s, wall_s) in medians.items():
            row[f"exit_s_{exit_kind}"] = exit_s
            row[f"wall_s_{exit_kind}"] = wall_s
        rows.append(row)
        print(
            f"{name}: exit {row['exit_s_python']} s -> {row['exit_s_rl_evolve']} s, wall "
            f"{row['wall_s_python']} s -> {row['wall_s_rl_evolve']} s (Python's default exit -> "
            f"rl-evolve's; median of {args.repeats})"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"repeats": args.repeats, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

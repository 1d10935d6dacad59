"""Framework overhead: whole-process wall time of ``rl-evolve`` (defaults) against plain SB3.

Alternates the two commands ``--pairs`` times so machine noise hits both alike, and reports
each pair's ratio and the median ratio. Usage::

    .venv/bin/python benchmarks/overhead.py --pairs 3 --out benchmarks/results/overhead.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(cmd: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    for i in range(args.pairs):
        with tempfile.TemporaryDirectory() as work:
            plain = timed([sys.executable, str(HERE / "plain_sb3_cartpole.py"), work], work)
        with tempfile.TemporaryDirectory() as work:
            ours = timed([sys.executable, "-m", "rl_evolve", "progress_bar=false"], work)
        rows.append(
            {
                "pair": i,
                "plain_sb3_s": round(plain, 2),
                "rl_evolve_s": round(ours, 2),
                "ratio": round(ours / plain, 3),
            }
        )
        print(rows[-1], flush=True)
    result = {"rows": rows, "median_ratio": statistics.median(r["ratio"] for r in rows)}
    print("| pair | plain SB3 (s) | rl-evolve (s) | ratio |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['pair']} | {r['plain_sb3_s']} | {r['rl_evolve_s']} | {r['ratio']} |")
    print(f"median ratio: {result['median_ratio']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

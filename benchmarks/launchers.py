"""Wall time of one 4-job sweep (PPO CartPole-v1, zoo defaults, 20k steps, seeds 0-3) through the
basic, joblib and Ray launchers on this machine, run one after another; ratios to basic.

    .venv/bin/python benchmarks/launchers.py     # writes benchmarks/results/launchers.json

The machine should be otherwise idle: the ratios are what matter (these machines are noisy).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SWEEP = ["-m", "seed=0,1,2,3", "total_timesteps=20000", "progress_bar=false"]
LAUNCHERS = {
    "basic": [],
    "joblib (n_jobs=2)": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "ray (num_cpus=2)": [
        "hydra/launcher=ray",
        "+hydra.launcher.ray.init.num_cpus=2",
        "+hydra.launcher.ray.init.include_dashboard=false",
    ],
}


def timed(args: list[str], cwd: Path) -> tuple[float, list[float]]:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rl_evolve", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    wall = time.perf_counter() - start
    finals = [json.loads(p.read_text())["final_eval"]["mean"] for p in sorted(cwd.rglob("summary.json"))]
    return wall, finals


if __name__ == "__main__":
    results = {"cpus": os.cpu_count(), "jobs": 4, "steps_per_job": 20_000}
    for name, launcher in LAUNCHERS.items():
        with tempfile.TemporaryDirectory() as cwd:
            wall, finals = timed([*SWEEP, *launcher], Path(cwd))
        results[name] = {"wall_s": round(wall, 1), "final_returns": finals}
        print(f"{name:20s} {wall:7.1f} s   final returns {finals}", flush=True)
    base = results["basic"]["wall_s"]
    for name in LAUNCHERS:
        results[name]["ratio_to_basic"] = round(results[name]["wall_s"] / base, 2)
    out = Path(__file__).parent / "results" / "launchers.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v["ratio_to_basic"] for k, v in results.items() if isinstance(v, dict)}))

"""Speed of the SB3 family through rl-evolve: steps per second of ``rl-evolve algo=X env=Y``
against a plain SB3 script with the same hyperparameters, and of ``replay=prioritized`` against
uniform replay, each pair run alternately (these machines are noisy: read the ratios).

    .venv/bin/python benchmarks/family_speed.py --pairs 2      # writes benchmarks/results/family_speed.json

rl-evolve's figure is its summary's ``fps`` (steps over the time inside SB3's ``learn``, with its
callbacks); the plain script's is the same steps over its own ``learn``. Periodic evaluation and
checkpoints are set beyond the budget in both, so what differs is the framework.
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

ROOT = Path(__file__).resolve().parents[1]
# algo, env, steps, overrides shared by both sides (the same hyperparameters)
CASES = {
    "sac": ("pendulum", 4000, ["algo.learning_starts=500"]),
    "td3": ("pendulum", 4000, ["algo.learning_starts=500"]),
    "qrdqn": ("acrobot", 20000, []),
    "recurrent_ppo": ("cartpole", 8192, []),
}
PER_CASES = {"sac": CASES["sac"], "qrdqn": CASES["qrdqn"]}
PLAIN = """
import sys, time, json
from hydra import compose, initialize_config_module
from stable_baselines3.common.env_util import make_vec_env
from rl_evolve.agents.builder import algorithm_class, algorithm_kwargs
from rl_evolve.config import register
from rl_evolve.runtime import set_torch_threads

set_torch_threads(1)
register()
with initialize_config_module("rl_evolve.conf", version_base="1.3"):
    cfg = compose(config_name="config", overrides=sys.argv[2:])
env = make_vec_env(cfg.env.id, n_envs=cfg.n_envs, seed=0)
model = algorithm_class(cfg.algo)(env=env, seed=0, verbose=0, **algorithm_kwargs(cfg.algo))
start = time.perf_counter()
model.learn(cfg.total_timesteps)
print(json.dumps({"fps": cfg.total_timesteps / (time.perf_counter() - start)}))
"""


def ours(overrides: list[str]) -> float:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            [sys.executable, "-m", "rl_evolve", *overrides, "progress_bar=false", "hydra.run.dir=run"],
            cwd=work,
            check=True,
            capture_output=True,
        )
        return float(json.loads((Path(work) / "run" / "summary.json").read_text())["fps"])


def plain(overrides: list[str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", PLAIN, "--", *overrides], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["fps"])


def case_overrides(algo: str) -> list[str]:
    env, steps, extra = CASES[algo]
    return [
        f"algo={algo}",
        f"env={env}",
        f"total_timesteps={steps}",
        f"eval.freq={steps + 1}",
        f"checkpoint.freq={steps + 1}",
        *extra,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "family_speed.json")
    parser.add_argument("--only", nargs="*", default=None, help="measure these algorithms again (overhead)")
    args = parser.parse_args()
    result: dict = {"overhead": {}, "per": {}, "pairs": args.pairs}
    if args.only:  # the other figures stay as they were
        result = json.loads(args.out.read_text())
    for algo in args.only or CASES:
        rows = []
        for _ in range(args.pairs):
            a, b = ours(case_overrides(algo)), plain(case_overrides(algo))
            rows.append(
                {"rl_evolve_fps": round(a, 1), "plain_sb3_fps": round(b, 1), "ratio": round(a / b, 3)}
            )
            print(algo, rows[-1], flush=True)
        result["overhead"][algo] = {"rows": rows, "median_ratio": statistics.median(r["ratio"] for r in rows)}
    for algo in PER_CASES if not args.only else ():
        rows = []
        for _ in range(args.pairs):
            u = ours(case_overrides(algo))
            p = ours([*case_overrides(algo), "replay=prioritized"])
            rows.append(
                {"uniform_fps": round(u, 1), "prioritized_fps": round(p, 1), "ratio": round(p / u, 3)}
            )
            print(algo, "per", rows[-1], flush=True)
        result["per"][algo] = {"rows": rows, "median_ratio": statistics.median(r["ratio"] for r in rows)}
    result["measured_at"] = time.strftime("%Y-%m-%d")
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

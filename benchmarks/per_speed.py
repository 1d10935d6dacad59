"""End-to-end speed: PER-DQN against uniform DQN on CartPole-v1 with the tuned defaults.

Environment steps per second of ``learn`` (no evaluation), the two alternating in one process
so machine noise hits both alike::

    .venv/bin/python benchmarks/per_speed.py --steps 20000 --rounds 3 --out benchmarks/results/per_speed.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from hydra import compose, initialize_config_module

from rl_evolve.agents import build_agent
from rl_evolve.config import register
from rl_evolve.env_factory import build_vec_env, train_settings


def steps_per_second(cfg, steps: int) -> float:
    env = build_vec_env(train_settings(cfg), cfg.n_envs, cfg.seed)
    model = build_agent(cfg, env)
    start = time.perf_counter()
    model.learn(steps)
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    register()
    with initialize_config_module("rl_evolve.conf", version_base="1.3"):
        configs = {
            name: compose("config", ["algo=dqn", f"replay={name}"]) for name in ("uniform", "prioritized")
        }
    rows = []
    for i in range(args.rounds):
        row = {name: round(steps_per_second(cfg, args.steps)) for name, cfg in configs.items()}
        row["ratio"] = round(row["prioritized"] / row["uniform"], 3)
        rows.append({"round": i, **row})
        print(rows[-1], flush=True)
    result = {"rows": rows, "median_ratio": statistics.median(r["ratio"] for r in rows)}
    print(f"median PER/uniform steps-per-second ratio: {result['median_ratio']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

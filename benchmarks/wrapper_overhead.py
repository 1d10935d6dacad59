"""Dynamics-wrapper overhead: random-action steps per second, wrapped (a schedule active)
against the bare ``gym.make`` env, alternating rounds so machine noise hits both alike. The MuJoCo
cases change their physics at every step (``apply_at: step``), a body's mass included, which
recomputes MuJoCo's derived constants (``mj_setConst``) every step: the worst case. Their drifts are
tiny (9.81 to 9.82, a mass 1x to 1.001x over 100k steps): new values at every step, physics that
stay the same, so the ratio is the wrapper's cost and not that of simulating other physics (a
heavier Hopper makes more contacts, and MuJoCo's step costs more)::

    .venv/bin/python benchmarks/wrapper_overhead.py --out benchmarks/results/wrapper_overhead.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

from rl_evolve.env_factory import make_env


def drift(
    name: str, env_id: str, spec: str, param: str, start: float, end: float, apply_at: str = "episode"
) -> dict:
    """The env's settings with a linear drift of ``param`` over 100k steps."""
    return {
        "name": name,
        "id": env_id,
        "dynamics_spec": spec,
        "schedule": {
            "_target_": "rl_evolve.envs.schedules.Linear",
            "name": "linear",
            "apply_at": apply_at,
            "start": {param: start},
            "end": {param: end},
            "finish": 100_000,
        },
    }


HOPPER = ("hopper", "Hopper-v5", "rl_evolve.envs.mujoco:HOPPER")
CHEETAH = ("half_cheetah", "HalfCheetah-v5", "rl_evolve.envs.mujoco:HALF_CHEETAH")
CASES = {
    "CartPole-v1": drift("cartpole", "CartPole-v1", "rl_evolve.envs.cartpole:SPEC", "gravity", 9.8, 15.0),
    "LunarLander-v3": drift(
        "lunarlander", "LunarLander-v3", "rl_evolve.envs.lunar_lander:SPEC", "gravity", -10.0, -5.0
    ),
    "Hopper-v5 (gravity, every step)": drift(*HOPPER, "gravity", 9.81, 9.82, "step"),
    "Hopper-v5 (torso mass, every step)": drift(*HOPPER, "mass.torso", 1.0, 1.001, "step"),
    "HalfCheetah-v5 (gravity, every step)": drift(*CHEETAH, "gravity", 9.81, 9.82, "step"),
    "HalfCheetah-v5 (torso mass, every step)": drift(*CHEETAH, "mass.torso", 1.0, 1.001, "step"),
}


def steps_per_second(env: gym.Env, actions: np.ndarray, clock=time.process_time) -> float:
    """Steps per second of this process's CPU time (``time.process_time``): other jobs on the
    machine slow the wall clock of both sides, not their CPU time, and stay out of the ratio."""
    env.reset(seed=0)
    start = clock()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(a)
        if terminated or truncated:
            env.reset()
    return len(actions) / (clock() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results = {}
    for env_id, settings in CASES.items():
        wrapped = make_env(settings)
        bare = gym.make(settings["id"])
        steps = args.steps if env_id.startswith("CartPole") else args.steps // 5
        bare.action_space.seed(0)
        actions = [bare.action_space.sample() for _ in range(steps)]
        rows = []
        for _ in range(args.rounds):
            b = steps_per_second(bare, actions)
            w = steps_per_second(wrapped, actions)
            rows.append({"bare": round(b), "wrapped": round(w), "ratio": round(w / b, 3)})
        results[env_id] = {
            "rounds": rows,
            "median_bare": statistics.median(r["bare"] for r in rows),
            "median_wrapped": statistics.median(r["wrapped"] for r in rows),
            "median_ratio": statistics.median(r["ratio"] for r in rows),
        }
    print("| env | bare steps/s | wrapped steps/s | ratio (median of rounds) |\n|---|---|---|---|")
    for env_id, r in results.items():
        print(f"| {env_id} | {r['median_bare']:,.0f} | {r['median_wrapped']:,.0f} | {r['median_ratio']} |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

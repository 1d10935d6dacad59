"""Which physics changes hurt a CartPole champion: its greedy return over 10 episodes per setting.

    python experiments/self_evolution/probe_dynamics.py runs/<experiment>/<champion run>

The champion is a PPO run folder (its checkpoints/last.zip) trained on the standard CartPole.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stable_baselines3 import PPO
from stable_baselines3.common.evaluation import evaluate_policy

from rl_evolve.env_factory import build_vec_env

CARTPOLE = {"name": "cartpole", "id": "CartPole-v1", "dynamics_spec": "rl_evolve.envs.cartpole:SPEC"}
SETTINGS = [
    {},
    {"length": 0.35},
    {"length": 0.6},
    {"length": 0.7},
    {"length": 0.8},
    {"length": 1.0},
    {"length": 2.0},
    {"gravity": 4.0},
    {"gravity": 20.0},
    {"gravity": 30.0},
    {"force_mag": 2.0},
    {"force_mag": 5.0},
    {"force_mag": 20.0},
    {"masscart": 3.0},
    {"masspole": 0.3},
    {"masspole": 1.0},
    {"tau": 0.04},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--episodes", type=int, default=10)
    args = parser.parse_args()
    model = PPO.load(args.run / "checkpoints" / "last.zip", device="cpu")
    for dynamics in SETTINGS:
        env = build_vec_env({**CARTPOLE, "dynamics": dynamics}, 1, seed=123)
        mean, std = evaluate_policy(model, env, n_eval_episodes=args.episodes, deterministic=True)
        print(f"{dynamics or 'standard'}: {mean:.1f} +/- {std:.1f}")
        env.close()


if __name__ == "__main__":
    main()

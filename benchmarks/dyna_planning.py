"""Does planning alone teach a shadow learner? A random policy serves CartPole-v1 for 100
episodes; a DQN shadow watches, takes no real gradient step, and takes one planning step per
world step on transitions its world model imagines (``rl_evolve.evolve.imagination``; a model
fitted every 200 steps, 2,000 one-step branches). Its deterministic return on 10 fresh episodes
afterwards, per seed (a random policy's is about 20; the untrained shadow's about 9)::

    .venv/bin/python benchmarks/dyna_planning.py --seeds 0 1 2 3 4 --out benchmarks/results/dyna_planning.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import DQN
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.logger import configure

from rl_evolve.evolve.imagination import Imagination
from rl_evolve.evolve.shadow import Shadow
from rl_evolve.evolve.world import World

HOME = {"name": "cartpole", "id": "CartPole-v1", "dynamics_spec": "rl_evolve.envs.cartpole:SPEC"}


class Random:
    """A uniformly random serving policy, with ``predict`` as SB3's."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def predict(self, obs, state=None, episode_start=None, deterministic=False):
        return self.rng.integers(2, size=len(obs)), None


def one(seed: int, episodes: int = 100) -> dict:
    world = World(HOME, seed=seed)
    model = DQN(
        "MlpPolicy",
        world.vec_env,
        learning_rate=1e-3,
        batch_size=64,
        learning_starts=500,
        buffer_size=10_000,
        target_update_interval=250,
        seed=1,
        policy_kwargs={"net_arch": [64, 64]},
    )
    model.set_logger(configure(None, []))
    dyna = Imagination(model, 1.0, starts=2000, every=200, seed=seed)
    shadow = Shadow(model, updates_per_step=0.0, imagination=dyna)
    world.observers.append(shadow.observe)
    for _ in range(episodes // 5):
        world.play(Random(seed), 5, "serve", 0, budget=10**9)
        shadow.learn()
    after, _ = evaluate_policy(model, gym.make("CartPole-v1"), 10, warn=False)
    return {
        "seed": seed,
        "world_steps": world.steps,
        "real_updates": shadow.updates,
        "planning_updates": dyna.updates,
        "model_fits": dyna.fits,
        "return_after": float(after),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = [one(s) for s in args.seeds]
    for r in rows:
        print(r)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()

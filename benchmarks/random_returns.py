"""Mean return of a uniformly random policy on each shipped env (default dynamics): the 0 of the
normalised scale in reports (`random_return` in conf/env/<env>.yaml).

    .venv/bin/python benchmarks/random_returns.py    # writes benchmarks/results/random_returns.json
"""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np

ENVS = {
    "cartpole": "CartPole-v1",
    "acrobot": "Acrobot-v1",
    "mountaincar": "MountainCar-v0",
    "mountaincar_continuous": "MountainCarContinuous-v0",
    "pendulum": "Pendulum-v1",
    "lunarlander": "LunarLander-v3",
    "inverted_pendulum": "InvertedPendulum-v5",
    "inverted_double_pendulum": "InvertedDoublePendulum-v5",
    "reacher": "Reacher-v5",
    "swimmer": "Swimmer-v5",
    "hopper": "Hopper-v5",
    "half_cheetah": "HalfCheetah-v5",
    "walker2d": "Walker2d-v5",
    "ant": "Ant-v5",
}
EPISODES = 100


def random_return(env_id: str, episodes: int = EPISODES) -> tuple[float, float]:
    env = gym.make(env_id)
    env.action_space.seed(0)
    returns = []
    for episode in range(episodes):
        env.reset(seed=episode)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    env.close()
    return float(np.mean(returns)), float(np.std(returns))


if __name__ == "__main__":
    results = {}
    for name, env_id in ENVS.items():
        mean, std = random_return(env_id)
        results[name] = {
            "env_id": env_id,
            "episodes": EPISODES,
            "mean": round(mean, 1),
            "std": round(std, 1),
            "reward_threshold": gym.spec(env_id).reward_threshold,
        }
        print(
            f"{name:24s} {env_id:26s} random {mean:9.1f} +/- {std:6.1f}  "
            f"threshold {results[name]['reward_threshold']}"
        )
    out = Path(__file__).parent / "results" / "random_returns.json"
    out.write_text(json.dumps(results, indent=2) + "\n")

"""Returns on a common scale: a uniformly random policy is 0, a task's best known return 1."""

from __future__ import annotations

import numpy as np
from stable_baselines3.common.vec_env import VecEnv


def normalise(value: float, random_return: float, best_return: float, clip: bool = True) -> float:
    """``value`` on the scale where a random policy is 0 and the best known return 1, clipped to
    [0, 1] as Continual World's metrics assume (``clip=False``: beyond, where a policy beats
    the reference or does worse than random)."""
    span = best_return - random_return
    if span <= 0:
        raise ValueError(f"best return {best_return} is not above the random return {random_return}")
    scaled = (value - random_return) / span
    return clip01(scaled) if clip else float(scaled)


def clip01(value: float) -> float:
    return float(np.clip(value, 0.0, 1.0))


def random_policy_return(env: VecEnv, episodes: int, seed: int) -> float:
    """Mean return of uniformly random actions: 0 on the normalised scale."""
    env.action_space.seed(seed)
    returns, total = [], np.zeros(env.num_envs)
    env.reset()
    while len(returns) < episodes:
        actions = np.array([env.action_space.sample() for _ in range(env.num_envs)])
        _, rewards, dones, _ = env.step(actions)
        total += rewards
        for i in np.flatnonzero(dones):
            returns.append(float(total[i]))
            total[i] = 0.0
    return float(np.mean(returns[:episodes]))

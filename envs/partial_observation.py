"""Partially observed envs: the classic ones with their velocities masked (zeroed), as
rl-baselines3-zoo's ``MaskVelocityWrapper`` makes its ``*NoVel`` envs. A policy must infer the
velocities from its history: RecurrentPPO's test bed (its zoo table is tuned there).

The physics are the base env's (same dynamics spec): the mask sits above it, so
``env.unwrapped`` is the base env and ``DynamicsWrapper`` sets its parameters as usual.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

# observation indices of the velocities (the zoo's table)
VELOCITIES = {"CartPole-v1": [1, 3], "Pendulum-v1": [2]}


class MaskVelocity(gym.ObservationWrapper):
    """Zeroes the velocity entries of the observation; its shape and bounds stay the same."""

    def __init__(self, env: gym.Env, indices: list[int]):
        super().__init__(env)
        self.mask = np.ones(env.observation_space.shape, dtype=env.observation_space.dtype)
        self.mask[indices] = 0

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return observation * self.mask


def no_velocity(base_id: str, **kwargs) -> gym.Env:
    """``base_id`` made by gymnasium (its own kwargs), its velocities masked."""
    return MaskVelocity(gym.make(base_id, **kwargs).unwrapped, VELOCITIES[base_id])


def cartpole(**kwargs) -> gym.Env:
    return no_velocity("CartPole-v1", **kwargs)


def pendulum(**kwargs) -> gym.Env:
    return no_velocity("Pendulum-v1", **kwargs)

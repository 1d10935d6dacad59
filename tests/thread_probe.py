"""A one-step env that reports the torch thread count of the process it runs in."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch


class ThreadProbeEnv(gym.Env):
    observation_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(1, np.float32), {}

    def step(self, action):
        return np.zeros(1, np.float32), 0.0, True, False, {}

    def torch_threads(self) -> int:
        return torch.get_num_threads()

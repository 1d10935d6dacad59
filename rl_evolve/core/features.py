"""Actions as network inputs, for the core's models that read (observation, action) rows: the
evolve loop's dynamics model and the system identifier."""

from __future__ import annotations

import gymnasium as gym
import numpy as np


def action_features(actions: np.ndarray, space: gym.Space) -> np.ndarray:
    """One-hot for a discrete action space, the action itself for a box: (N, action_width)."""
    if isinstance(space, gym.spaces.Discrete):
        return np.eye(space.n, dtype=np.float32)[np.asarray(actions, dtype=np.int64).reshape(-1)]
    return np.asarray(actions, dtype=np.float32).reshape(len(actions), -1)


def action_width(space: gym.Space) -> int:
    """The width of one action's features."""
    return int(space.n) if isinstance(space, gym.spaces.Discrete) else int(np.prod(space.shape))

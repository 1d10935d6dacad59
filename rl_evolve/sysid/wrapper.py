"""The identifier's estimate of the physics, appended to the observation where ``env.observe``
appends the true values (same names, same [0, 1] scale), for a context-observing policy."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rl_evolve.core.features import action_features, action_width
from rl_evolve.errors import ConfigError
from rl_evolve.sysid.identifier import Identifier


class EstimatedContext(gym.Wrapper):
    """Keeps the episode's last ``window`` (observation, previous action) rows and appends the
    identifier's estimate from them to every observation; ``info["estimated_dynamics"]`` holds
    the estimate in the parameters' own units, ``info["estimated_context"]`` as appended."""

    def __init__(self, env: gym.Env, identifier: Identifier):
        super().__init__(env)
        space, shape = env.observation_space, identifier.shape
        if not isinstance(space, gym.spaces.Box) or len(space.shape) != 1:
            raise ConfigError(f"env.observe_estimated needs a flat Box observation space, not {space}")
        width = space.shape[0] + action_width(env.action_space)
        if width != shape.width:
            raise ConfigError(
                f"the identifier reads rows of {shape.width} values (observation and action), "
                f"this env gives {width}: it was trained on another env"
            )
        self.identifier = identifier.eval()
        n = len(shape.names)
        self.observation_space = gym.spaces.Box(
            np.concatenate([space.low, np.zeros(n, space.dtype)]),
            np.concatenate([space.high, np.ones(n, space.dtype)]),
            dtype=space.dtype,
        )
        # the episode's last rows, newest last, zeros before its first (as the identifier trained)
        self._window = np.zeros((1, shape.window, shape.width), dtype=np.float32)
        self._obs_width = space.shape[0]

    def _observe(self, obs: np.ndarray, previous: np.ndarray, info: dict) -> np.ndarray:
        window = self._window[0]
        window[:-1] = window[1:]
        window[-1, : self._obs_width] = np.asarray(obs).reshape(-1)
        window[-1, self._obs_width :] = previous
        estimate = self.identifier.estimate(self._window)[0]
        info["estimated_dynamics"] = dict(
            zip(self.identifier.shape.names, self.identifier.unscale(estimate).tolist(), strict=True)
        )
        info["estimated_context"] = estimate.tolist()  # on the [0, 1] scale of the observation
        return np.concatenate([obs, estimate.astype(obs.dtype)])

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._window[:] = 0
        return self._observe(obs, np.zeros(action_width(self.env.action_space), np.float32), info), info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        previous = action_features(np.asarray([action]), self.env.action_space)[0]
        return self._observe(obs, previous, info), reward, terminated, truncated, info

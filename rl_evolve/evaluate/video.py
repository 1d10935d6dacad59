"""Episodes of the agent recorded as MP4 with Gymnasium's ``RecordVideo``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.wrappers import RecordVideo
from stable_baselines3.common.base_class import BaseAlgorithm

from rl_evolve.env_factory import make_env
from rl_evolve.errors import ConfigError


def check_renders(settings: dict[str, Any]) -> None:
    """Fails in one line when the env cannot render ``rgb_array`` frames."""
    env = make_env(settings)
    modes = env.metadata.get("render_modes") or []
    env.close()
    if "rgb_array" not in modes:
        raise ConfigError(
            f"env={settings.get('name', settings['id'])} cannot render rgb_array frames "
            f"(its render modes: {', '.join(modes) or 'none'}); eval.video needs them"
        )


def record(
    model: BaseAlgorithm,
    settings: dict[str, Any],
    folder: Path,
    episodes: int,
    deterministic: bool,
    seed: int,
    normalize_obs: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[Path]:
    """Plays ``episodes`` episodes into ``folder`` (one MP4 each); returns the files. The policy
    sees observations through ``normalize_obs`` (a run trained with ``normalize``)."""
    # Frames are drawn off-screen: pygame needs no display or sound device for rgb_array.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    env: gym.Env = RecordVideo(
        make_env(settings, render_mode="rgb_array"),
        str(folder),
        name_prefix="eval",
        episode_trigger=lambda _: True,
        disable_logger=True,
    )
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed + episode)
        done, state, start = False, None, np.ones(1, dtype=bool)  # a recurrent policy's memory
        while not done:
            seen = normalize_obs(obs) if normalize_obs is not None else obs
            action, state = model.predict(seen, state=state, episode_start=start, deterministic=deterministic)
            obs, _, terminated, truncated, _ = env.step(action)
            done, start = terminated or truncated, np.zeros(1, dtype=bool)
    env.close()
    return sorted(folder.glob("*.mp4"))

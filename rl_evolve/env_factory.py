"""Builds Gymnasium envs and SB3 VecEnvs from the ``env`` config node."""

from __future__ import annotations

from functools import partial
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator
from omegaconf import DictConfig, OmegaConf

from rl_evolve.errors import ConfigError, invalid_choice


def env_settings(env_cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """The env node as a plain, picklable dict (what SubprocVecEnv workers receive)."""
    if isinstance(env_cfg, DictConfig):
        return OmegaConf.to_container(env_cfg, resolve=True)  # type: ignore[return-value]
    return dict(env_cfg)


def ensure_registered(settings: dict[str, Any]) -> None:
    """Registers ``id`` from ``entry_point`` (``module:Class``) unless Gymnasium knows it."""
    env_id, entry_point = settings["id"], settings.get("entry_point")
    if entry_point and env_id not in gym.registry:
        gym.register(id=env_id, entry_point=entry_point)


def check_env_exists(settings: dict[str, Any]) -> None:
    """Fails with the closest registered ids when the env id or entry point does not resolve."""
    entry_point = settings.get("entry_point")
    if entry_point:
        try:
            load_env_creator(entry_point)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ConfigError(f"env.entry_point '{entry_point}' cannot be imported: {exc}") from exc
    ensure_registered(settings)
    if settings["id"] not in gym.registry:
        raise invalid_choice("env id", settings["id"], gym.registry.keys())


def make_env(settings: dict[str, Any], render_mode: str | None = None) -> gym.Env:
    """One env as the config describes it (id or entry point, kwargs, episode limit)."""
    ensure_registered(settings)
    kwargs = dict(settings.get("kwargs") or {})
    if settings.get("max_episode_steps") is not None:
        kwargs["max_episode_steps"] = settings["max_episode_steps"]
    return gym.make(settings["id"], render_mode=render_mode, **kwargs)


def build_vec_env(settings: dict[str, Any], n_envs: int, seed: int, kind: str = "dummy"):
    """A Monitor-wrapped, seeded SB3 VecEnv of ``n_envs`` copies (``kind``: dummy | subproc)."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    vec_cls = SubprocVecEnv if kind == "subproc" and n_envs > 1 else DummyVecEnv
    return make_vec_env(partial(make_env, settings), n_envs=n_envs, seed=seed, vec_env_cls=vec_cls)

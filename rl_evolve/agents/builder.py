"""Turns the ``algo`` config node into an SB3 ``BaseAlgorithm`` (and loads saved ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from hydra.utils import get_class
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.noise import ActionNoise, NormalActionNoise, OrnsteinUhlenbeckActionNoise
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import VecEnv

from rl_evolve.config.algorithms import NOT_KWARGS
from rl_evolve.errors import ConfigError

NOISES = {"normal": NormalActionNoise, "ornstein-uhlenbeck": OrnsteinUhlenbeckActionNoise}


def algorithm_class(algo_cfg: DictConfig) -> type[BaseAlgorithm]:
    """The ``BaseAlgorithm`` subclass named by ``algo._target_``."""
    try:
        cls = get_class(algo_cfg._target_)
    except Exception as exc:  # hydra raises ImportError or ValueError depending on the case
        raise ConfigError(f"algo._target_ '{algo_cfg._target_}' cannot be imported: {exc}") from exc
    if not issubclass(cls, BaseAlgorithm):
        raise ConfigError(f"algo._target_ '{algo_cfg._target_}' is not a stable_baselines3 BaseAlgorithm")
    return cls


def _schedule(value: float, kind: Any) -> float | LinearSchedule:
    """zoo's ``lin_<value>``: from ``value`` at the start down to 0 at the end of training."""
    return LinearSchedule(value, 0.0, 1.0) if str(getattr(kind, "value", kind)) == "linear" else value


def _classes(value: Any) -> Any:
    """zoo's ``activation_fn=nn.ReLU`` and the like, written as dotted paths, as the classes."""
    if isinstance(value, dict):
        return {
            k: get_class(v) if k.endswith(("_fn", "_class")) and isinstance(v, str) else _classes(v)
            for k, v in value.items()
        }
    return value


def action_noise(algo_cfg: DictConfig, env: VecEnv) -> ActionNoise | None:
    """zoo's ``noise_type`` (normal, ornstein-uhlenbeck) of ``noise_std`` on every action dimension."""
    kind = algo_cfg.get("noise_type")
    if kind is None:
        return None
    if kind not in NOISES:
        raise ConfigError(f"algo.noise_type '{kind}' is not one of {', '.join(NOISES)} (or null)")
    n = int(np.prod(env.action_space.shape))
    return NOISES[kind](mean=np.zeros(n), sigma=float(algo_cfg.noise_std) * np.ones(n))


def algorithm_kwargs(algo_cfg: DictConfig) -> dict[str, Any]:
    """Constructor keyword arguments for the SB3 class, from the resolved ``algo`` node."""
    values: dict[str, Any] = OmegaConf.to_container(algo_cfg, resolve=True)  # type: ignore[assignment]
    kwargs = {k: v for k, v in values.items() if k not in NOT_KWARGS}
    kwargs.update(values.get("extra") or {})
    kwargs["learning_rate"] = _schedule(values["learning_rate"], values["learning_rate_schedule"])
    if "clip_range" in values:
        kwargs["clip_range"] = _schedule(values["clip_range"], values["clip_range_schedule"])
    if isinstance(values.get("train_freq"), list):
        kwargs["train_freq"] = tuple(values["train_freq"])
    policy_kwargs = _classes(dict(values.get("policy_kwargs") or {}))
    if values.get("net_arch") is not None:
        policy_kwargs["net_arch"] = values["net_arch"]
    if policy_kwargs:
        kwargs["policy_kwargs"] = policy_kwargs
    return kwargs


def replay_variant(cfg: DictConfig) -> tuple[type[BaseAlgorithm], dict[str, Any]]:
    """The algorithm class and extra kwargs once the ``replay`` choice is applied.

    ``replay=uniform`` keeps the algorithm as it is; a prioritized scheme swaps in its buffer
    class and the algorithm variant whose training step uses the priorities.
    """
    cls = algorithm_class(cfg.algo)
    if cfg.replay.name == "uniform":
        return cls, {}
    if cfg.algo.name not in cfg.replay.algorithms:
        raise ConfigError(
            f"replay={cfg.replay.name} works with algo={', '.join(cfg.replay.algorithms)}; "
            f"algo={cfg.algo.name} has no prioritized variant (use replay=uniform)"
        )
    variant = get_class(cfg.replay.algorithms[cfg.algo.name])
    if not issubclass(variant, cls):
        raise ConfigError(f"replay.algorithms.{cfg.algo.name}: {variant.__name__} is not a {cls.__name__}")
    buffer_kwargs = {
        "alpha": cfg.replay.alpha,
        "beta0": cfg.replay.beta0,
        "eps": cfg.replay.eps,
        "seed": cfg.seed,
    }
    extra = {"double_q": cfg.replay.double_q} if cfg.algo.name == "dqn" else {}
    return variant, {
        "replay_buffer_class": get_class(cfg.replay._target_),
        "replay_buffer_kwargs": buffer_kwargs,
        **extra,
    }


def check_agent_config(cfg: DictConfig) -> None:
    """The algorithm and replay scheme fit together (no PER with PPO), with valid parameters."""
    if cfg.replay.name == "prioritized":
        from rl_evolve.replay.prioritized import check_per_parameters

        check_per_parameters(cfg.replay.alpha, cfg.replay.beta0, cfg.replay.eps)
    replay_variant(cfg)


def build_agent(cfg: DictConfig, env: VecEnv) -> BaseAlgorithm:
    """A fresh agent for ``env``; an algorithm that cannot act in the env fails with one line."""
    cls, replay_kwargs = replay_variant(cfg)
    noise = action_noise(cfg.algo, env)
    try:
        return cls(
            env=env,
            seed=cfg.seed,
            device=cfg.device,
            verbose=0,
            **algorithm_kwargs(cfg.algo),
            **replay_kwargs,
            **({"action_noise": noise} if noise is not None else {}),
        )
    except AssertionError as exc:
        if "action space" in str(exc):
            raise ConfigError(
                f"algo={cfg.algo.name} cannot act in env={cfg.env.name}: {cls.__name__} does not "
                f"support its action space {env.action_space}"
            ) from exc
        raise


def load_agent(cls: type[BaseAlgorithm], path: Path, env: VecEnv, device: str) -> BaseAlgorithm:
    """``cls.load`` with a one-line error for a missing or corrupt checkpoint."""
    if not path.is_file():
        raise ConfigError(f"checkpoint '{path}' does not exist")
    try:
        return cls.load(path, env=env, device=device)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, RuntimeError, pickle errors, ...
        raise ConfigError(f"checkpoint '{path}' is corrupt or not a {cls.__name__} model: {exc}") from exc

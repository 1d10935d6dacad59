"""Checks that need more than a type: run before any env or network is built."""

from __future__ import annotations

import dataclasses

from omegaconf import DictConfig, OmegaConf

from rl_evolve.errors import ConfigError, invalid_choice

# Keys of env.hyperparams.<algo> that set top-level fields rather than algo fields.
TOP_LEVEL_TUNED = {"n_timesteps", "n_envs"}

_POSITIVE = ("total_timesteps", "n_envs", "eval.freq", "eval.n_episodes", "checkpoint.freq")


def check_positive(cfg: DictConfig) -> None:
    for key in _POSITIVE:
        value = OmegaConf.select(cfg, key)
        if value is None or value <= 0:
            raise ConfigError(f"{key} must be a positive integer, got {value}")


def check_tuned_tables(cfg: DictConfig) -> None:
    """A typo in an env's tuned table would silently do nothing: reject unknown keys."""
    schema = OmegaConf.get_type(cfg.algo)
    if not dataclasses.is_dataclass(schema):
        return
    known = {f.name for f in dataclasses.fields(schema)} | TOP_LEVEL_TUNED
    table = cfg.env.hyperparams.get(cfg.algo.name) or {}
    for key in table:
        if key not in known:
            raise invalid_choice(f"key in env.hyperparams.{cfg.algo.name}", key, known)


def validate(cfg: DictConfig) -> None:
    """Every check that can fail before training, in the order a user would fix them."""
    check_tuned_tables(cfg)
    check_positive(cfg)
    if cfg.replay.name == "prioritized":
        from rl_evolve.replay.prioritized import check_per_parameters

        check_per_parameters(cfg.replay.alpha, cfg.replay.beta0, cfg.replay.eps)
    from rl_evolve.agents.builder import replay_variant
    from rl_evolve.transfer import check_transfer

    replay_variant(cfg)  # the algorithm and replay scheme fit together (e.g. no PER with PPO)
    check_transfer(cfg.transfer)

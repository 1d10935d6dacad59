"""Checks that need more than a type: run before any env or network is built."""

from __future__ import annotations

import dataclasses

from omegaconf import DictConfig, OmegaConf

from rl_evolve.errors import ConfigError, invalid_choice

# Keys of env.hyperparams.<algo> that set top-level fields rather than algo fields.
TOP_LEVEL_TUNED = {"n_timesteps", "n_envs", "normalize"}

_TRAINING_POSITIVE = ("total_timesteps", "n_envs", "eval.freq", "checkpoint.freq")


def check_positive(cfg: DictConfig, training: bool = True) -> None:
    for key in (*(_TRAINING_POSITIVE if training else ()), "eval.n_episodes"):
        value = OmegaConf.select(cfg, key)
        if value is None or value <= 0:
            raise ConfigError(f"{key} must be a positive integer, got {value}")


def check_tuned_tables(cfg: DictConfig) -> None:
    """A typo in an env's tuned table, or a key of a field the schema does not declare tuned, would
    silently do nothing: reject them."""
    schema = OmegaConf.get_type(cfg.algo)
    if not dataclasses.is_dataclass(schema):
        return
    known = {f.name for f in dataclasses.fields(schema) if "untuned" in f.metadata} | TOP_LEVEL_TUNED
    table = cfg.env.hyperparams.get(cfg.algo.name) or {}
    for key in table:
        if key not in known:
            raise invalid_choice(f"key in env.hyperparams.{cfg.algo.name}", key, known)


def check_rollout(cfg: DictConfig) -> None:
    """PPO's rollout (n_steps x n_envs) must hold at least one mini-batch, unless the env's tuned
    table chose so itself (zoo's MountainCarContinuous: 8 steps, batches of 256; SB3 warns and
    trains); with another n_envs than the tuned one, the fix keeps the tuned rollout size."""
    if "n_steps" not in cfg.algo or "batch_size" not in cfg.algo:
        return
    rollout = cfg.algo.n_steps * cfg.n_envs
    if rollout >= cfg.algo.batch_size:
        return
    table = cfg.env.hyperparams.get(cfg.algo.name) or {}
    chosen = (table.get("n_steps"), table.get("n_envs", 1), table.get("batch_size"))
    if chosen == (cfg.algo.n_steps, cfg.n_envs, cfg.algo.batch_size):
        return
    tuned = table.get("n_steps", cfg.algo.n_steps) * table.get("n_envs", 1)
    steps = max(-(-max(tuned, cfg.algo.batch_size) // cfg.n_envs), 1)
    raise ConfigError(
        f"algo.n_steps={cfg.algo.n_steps} x n_envs={cfg.n_envs} collects {rollout} steps per "
        f"rollout, fewer than algo.batch_size={cfg.algo.batch_size}; set algo.n_steps={steps} "
        f"(a rollout of {steps * cfg.n_envs}) or a smaller algo.batch_size"
    )


def validate(cfg: DictConfig, training: bool = True) -> None:
    """The config-level checks that can fail before training, in the order a user would fix
    them; each builder checks its own node (``check_agent_config``, ``check_transfer``).
    ``training=False``: a task that only acts (``task=evaluate``) has no budget to check."""
    check_tuned_tables(cfg)
    check_positive(cfg, training)
    if training:
        check_rollout(cfg)

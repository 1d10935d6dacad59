"""A search space from ``tune.space``: checked against the ``algo`` node, sampled by an Optuna trial."""

from __future__ import annotations

from typing import Any

import optuna
from omegaconf import DictConfig, OmegaConf

from rl_evolve.errors import ConfigError, invalid_choice


def _type(spec: DictConfig) -> str:
    return str(getattr(spec.type, "value", spec.type))


def check_space(space: DictConfig, algo: DictConfig) -> None:
    """Every key is a field of ``algo`` and every range or choice list can be sampled; else one
    line naming the key."""
    if not space:
        raise ConfigError("tune.space is empty: conf/tune/<algo>.yaml lists the keys to tune")
    fields = [str(k) for k in algo.keys() if k not in ("name", "_target_", "extra")]
    for key, spec in space.items():
        where = f"tune.space.{key}"
        if key not in fields:
            raise invalid_choice(f"tune.space key (a field of algo={algo.name})", str(key), fields)
        if spec.divides is not None and (spec.divides not in space or spec.divides == key):
            raise ConfigError(f"{where}.divides='{spec.divides}' must name another key of tune.space")
        if _type(spec) == "categorical":
            if not spec.choices:
                raise ConfigError(f"{where}: categorical with no choices")
            continue
        if spec.low is None or spec.high is None:
            raise ConfigError(f"{where}: a {_type(spec)} range needs low and high")
        if not spec.low < spec.high:
            raise ConfigError(f"{where}: empty range, low={spec.low} is not below high={spec.high}")
        if spec.log and spec.low <= 0:
            raise ConfigError(f"{where}: a log range needs low > 0 (low={spec.low})")


def _param_name(key: str, spec: DictConfig) -> str:
    """The name Optuna records: zoo's where the sampled value is not the key's value."""
    if spec.one_minus:
        return f"one_minus_{key}"
    if spec.divides is not None:
        return f"{spec.divides}_per_{key}"
    return key


def sample(trial: optuna.Trial, space: DictConfig) -> dict[str, Any]:
    """``{algo key: value}`` for one trial (dependent keys after the keys they divide)."""
    values: dict[str, Any] = {}
    ordered = sorted(space.items(), key=lambda item: item[1].divides is not None)
    for key, spec in ordered:
        name, kind = _param_name(str(key), spec), _type(spec)
        if kind == "categorical":
            choices = OmegaConf.to_container(spec.choices)
            if isinstance(choices, dict):  # named values (lists cannot be Optuna choices)
                value = choices[trial.suggest_categorical(name, list(choices))]
            else:
                value = trial.suggest_categorical(name, choices)
        elif kind == "int":
            value = trial.suggest_int(name, int(spec.low), int(spec.high), log=spec.log)
        else:
            value = trial.suggest_float(name, float(spec.low), float(spec.high), log=spec.log)
        if spec.one_minus:
            value = 1.0 - value
        if spec.divides is not None:
            value = max(int(values[spec.divides]) // int(value), 1)
        values[str(key)] = value
    return values

"""Dynamics specs: which attributes of an env are physical parameters, and how to set them.

A spec sets values on ``env.unwrapped`` (never on a wrapper) and then recomputes every quantity
derived from them, so the env's own equations see consistent physics.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from rl_evolve.errors import ConfigError, invalid_choice


@dataclass(frozen=True)
class Param:
    """One physical parameter: its default, valid bounds, and the env attribute that holds it."""

    default: float
    low: float
    high: float
    attr: str | None = None  # attribute on env.unwrapped; defaults to the parameter's name


@dataclass(frozen=True)
class DynamicsSpec:
    """The physical parameters of one env and the hook that keeps derived quantities in step."""

    params: Mapping[str, Param]
    derive: Callable[[Any], None] | None = None  # called with env.unwrapped after every change
    notes: str = ""
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.params))

    def defaults(self) -> dict[str, float]:
        return {name: p.default for name, p in self.params.items()}

    def check(self, values: Mapping[str, Any], where: str = "dynamics") -> None:
        """Unknown names fail with the valid ones (closest first); values outside the bounds fail."""
        for name, value in flatten(values).items():
            if name not in self.params:
                raise invalid_choice(f"parameter in {where}", name, self.names)
            p = self.params[name]
            if value is None:
                continue
            if not isinstance(value, (int, float)) or not p.low <= value <= p.high:
                raise ConfigError(f"{where}.{name}={value} is outside its bounds [{p.low}, {p.high}]")

    def apply(self, env: gym.Env, values: Mapping[str, float]) -> None:
        """Sets ``values`` on ``env.unwrapped`` and recomputes what is derived from them."""
        base = env.unwrapped
        for name, value in values.items():
            setattr(base, self.params[name].attr or name, float(value))
        if self.derive is not None:
            self.derive(base)

    def read(self, env: gym.Env) -> dict[str, float]:
        """The values the env holds now."""
        base = env.unwrapped
        return {name: float(getattr(base, p.attr or name)) for name, p in self.params.items()}


def flatten(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{mass: {torso: 2}}`` (what ``env.dynamics.mass.torso=2`` composes) -> ``{"mass.torso": 2}``."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Mapping):
            flat.update({f"{name}.{inner}": v for inner, v in flatten(value).items()})
        else:
            flat[str(name)] = value
    return flat


def load_spec(path: str) -> DynamicsSpec:
    """``module:NAME`` -> the ``DynamicsSpec`` object it names (e.g. ``rl_evolve.envs.cartpole:SPEC``)."""
    module_name, _, attr = path.partition(":")
    try:
        spec = getattr(importlib.import_module(module_name), attr or "SPEC")
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"env.dynamics_spec '{path}' cannot be imported: {exc}") from exc
    if not isinstance(spec, DynamicsSpec):
        raise ConfigError(f"env.dynamics_spec '{path}' is not a DynamicsSpec")
    return spec

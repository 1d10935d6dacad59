"""Schedules of dynamics values over a run: constant, piecewise, linear drift, sine, random.

A schedule is a pure function of time (this env copy's steps, scaled to the run's total, or its
episode count) and, for ``Random``, of a seeded generator; the wrapper applies its values at
episode boundaries unless ``apply_at: step`` asks for mid-episode changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rl_evolve.errors import ConfigError

Values = dict[str, float]


def _same_names(a: str, first: Values, b: str, second: Values) -> None:
    """Two tables of a schedule name the same parameters; a typo in one is named."""
    only_a, only_b = sorted(set(first) - set(second)), sorted(set(second) - set(first))
    if only_a or only_b:
        found = "; ".join(f"only dynamics.{name} has {', '.join(keys)}"
                          for name, keys in ((a, only_a), (b, only_b)) if keys)
        raise ConfigError(f"dynamics.{a} and dynamics.{b} must name the same parameters: {found}")


@dataclass
class Schedule:
    """Base: no change (the env's own or the fixed ``env.dynamics`` values throughout)."""

    name: str = "constant"
    unit: str = "steps"  # "steps" (environment steps of the whole run) or "episodes"
    apply_at: str = "episode"  # "episode" (at reset) or "step" (mid-episode too)

    def __post_init__(self) -> None:
        if self.unit not in ("steps", "episodes"):
            raise ConfigError(f"dynamics.unit must be 'steps' or 'episodes', got '{self.unit}'")
        if self.apply_at not in ("episode", "step"):
            raise ConfigError(f"dynamics.apply_at must be 'episode' or 'step', got '{self.apply_at}'")

    def time(self, step: int, episode: int) -> int:
        return step if self.unit == "steps" else episode

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        return {}

    def mentioned(self) -> list[Values]:
        """Every set of values the config names (checked against the spec's bounds)."""
        return []


@dataclass
class Constant(Schedule):
    pass


@dataclass
class Piecewise(Schedule):
    """``switches: [{at: 0, values: {length: 0.5}}, {at: 50000, values: {length: 1.0}}]``;
    a switch changes only the parameters it names, from ``at`` on."""

    name: str = "piecewise"

    switches: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.switches:
            raise ConfigError("dynamics=piecewise needs switches: "
                              "'dynamics.switches=[{at:0,values:{gravity:9.8}},{at:20000,values:{gravity:15}}]'")
        self.switches = sorted(self.switches, key=lambda s: s["at"])
        self._times = [int(s["at"]) for s in self.switches]
        self._cumulative: list[Values] = []
        current: Values = {}
        for switch in self.switches:
            current = {**current, **{k: float(v) for k, v in switch["values"].items()}}
            self._cumulative.append(current)

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        t = self.time(step, episode)
        i = int(np.searchsorted(self._times, t, side="right")) - 1
        return self._cumulative[i] if i >= 0 else {}

    def mentioned(self) -> list[Values]:
        return [dict(s["values"]) for s in self.switches]


@dataclass
class Linear(Schedule):
    """Drift from ``start`` to ``end`` between time ``begin`` and ``finish``, flat outside."""

    name: str = "linear"

    start: Values = field(default_factory=dict)
    end: Values = field(default_factory=dict)
    begin: int = 0
    finish: int = 100_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.start:
            raise ConfigError("dynamics=linear needs values: +dynamics.start.<param>=... "
                              "+dynamics.end.<param>=...")
        _same_names("start", self.start, "end", self.end)
        if self.finish <= self.begin:
            raise ConfigError("dynamics.finish must come after dynamics.begin")

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        frac = min(max((self.time(step, episode) - self.begin) / (self.finish - self.begin), 0.0), 1.0)
        return {k: self.start[k] + frac * (self.end[k] - self.start[k]) for k in self.start}

    def mentioned(self) -> list[Values]:
        return [dict(self.start), dict(self.end)]


@dataclass
class Sine(Schedule):
    """``center + amplitude * sin(2 pi t / period)`` for each parameter in ``center``."""

    name: str = "sine"

    center: Values = field(default_factory=dict)
    amplitude: Values = field(default_factory=dict)
    period: int = 50_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.center:
            raise ConfigError("dynamics=sine needs values: +dynamics.center.<param>=... "
                              "+dynamics.amplitude.<param>=...")
        _same_names("center", self.center, "amplitude", self.amplitude)
        if self.period <= 0:
            raise ConfigError("dynamics.period must be positive")

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        phase = math.sin(2 * math.pi * self.time(step, episode) / self.period)
        return {k: self.center[k] + self.amplitude[k] * phase for k in self.center}

    def mentioned(self) -> list[Values]:
        return [{k: self.center[k] + s * abs(self.amplitude[k]) for k in self.center}
                for s in (-1, 1)]


@dataclass
class Random(Schedule):
    """Domain randomisation: each parameter uniform in ``ranges[name] = [low, high]``,
    drawn afresh per episode from the env's seeded generator."""

    name: str = "random"

    ranges: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.apply_at != "episode":
            raise ConfigError("dynamics=random draws per episode; apply_at must be 'episode'")
        if not self.ranges:
            raise ConfigError("dynamics=random needs ranges: '+dynamics.ranges.<param>=[low,high]'")
        for name, bounds in self.ranges.items():
            if len(bounds) != 2 or bounds[0] > bounds[1]:
                raise ConfigError(f"dynamics.ranges.{name} must be [low, high], got {list(bounds)}")
        self._names = list(self.ranges)
        self._low = np.array([self.ranges[k][0] for k in self._names], dtype=float)
        self._high = np.array([self.ranges[k][1] for k in self._names], dtype=float)

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        draw = rng.uniform(self._low, self._high)
        return dict(zip(self._names, draw.tolist(), strict=True))

    def mentioned(self) -> list[Values]:
        return [{k: float(v[0]) for k, v in self.ranges.items()},
                {k: float(v[1]) for k, v in self.ranges.items()}]


def build_schedule(node: dict[str, Any] | None) -> Schedule:
    """The schedule a ``dynamics`` config node describes (``_target_`` names its class)."""
    if not node:
        return Constant()
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    try:
        return instantiate(node, _convert_="all")
    except InstantiationException as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, (ConfigError, TypeError)):
            raise ConfigError(f"dynamics={node.get('name')}: {cause}") from exc
        raise

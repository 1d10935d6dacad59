"""Schedules of dynamics values over a run: constant, piecewise, linear drift, sine, random (per
episode), and the non-stationary literature's periodic, burst and random-jump (memoryless, or with
a decaying probability) schedules (NS-Gym's schedulers, Keller et al. 2025).

A schedule is a pure function of time (this env copy's steps, scaled to the run's total, or its
episode count) and, for ``Random``, of a seeded generator; the wrapper applies its values at
episode boundaries unless ``apply_at: step`` asks for mid-episode changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rl_evolve.envs.dynamics import flatten
from rl_evolve.errors import ConfigError

Values = dict[str, float]
Table = dict[str, Any]  # parameter -> value; ``{mass: {torso: 2}}`` nests as the CLI composes it


def _same_names(a: str, first: Values, b: str, second: Values) -> None:
    """Two tables of a schedule name the same parameters; a typo in one is named."""
    only_a, only_b = sorted(set(first) - set(second)), sorted(set(second) - set(first))
    if only_a or only_b:
        found = "; ".join(
            f"only dynamics.{name} has {', '.join(keys)}" for name, keys in ((a, only_a), (b, only_b)) if keys
        )
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
            raise ConfigError(
                "dynamics=piecewise needs switches: "
                "'dynamics.switches=[{at:0,values:{gravity:9.8}},{at:20000,values:{gravity:15}}]'"
            )
        self.switches = [
            {**s, "values": flatten(s["values"])} for s in sorted(self.switches, key=lambda s: s["at"])
        ]
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

    start: Table = field(default_factory=dict)
    end: Table = field(default_factory=dict)
    begin: int = 0
    finish: int = 100_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.start:
            raise ConfigError(
                "dynamics=linear needs values: +dynamics.start.<param>=... +dynamics.end.<param>=..."
            )
        self.start, self.end = flatten(self.start), flatten(self.end)
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

    center: Table = field(default_factory=dict)
    amplitude: Table = field(default_factory=dict)
    period: int = 50_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.center:
            raise ConfigError(
                "dynamics=sine needs values: +dynamics.center.<param>=... +dynamics.amplitude.<param>=..."
            )
        self.center, self.amplitude = flatten(self.center), flatten(self.amplitude)
        _same_names("center", self.center, "amplitude", self.amplitude)
        if self.period <= 0:
            raise ConfigError("dynamics.period must be positive")

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        phase = math.sin(2 * math.pi * self.time(step, episode) / self.period)
        return {k: self.center[k] + self.amplitude[k] * phase for k in self.center}

    def mentioned(self) -> list[Values]:
        return [{k: self.center[k] + s * abs(self.amplitude[k]) for k in self.center} for s in (-1, 1)]


@dataclass
class Random(Schedule):
    """Domain randomisation: each parameter uniform in ``ranges[name] = [low, high]``,
    drawn afresh per episode from the env's seeded generator."""

    name: str = "random"

    ranges: Table = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.apply_at != "episode":
            raise ConfigError("dynamics=random draws per episode; apply_at must be 'episode'")
        if not self.ranges:
            raise ConfigError("dynamics=random needs ranges: '+dynamics.ranges.<param>=[low,high]'")
        self.ranges = flatten(self.ranges)
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
        return [
            {k: float(v[0]) for k, v in self.ranges.items()},
            {k: float(v[1]) for k, v in self.ranges.items()},
        ]


@dataclass
class Periodic(Schedule):
    """The ``tables`` in turn, each for ``period`` time units, round and round (A, B, C, A, B, ...);
    a table changes only the parameters it names (``{}``: the env's own values)."""

    name: str = "periodic"

    tables: list[Table] = field(default_factory=list)
    period: int = 20_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.tables) < 2:
            raise ConfigError(
                "dynamics=periodic needs two tables or more: "
                "'dynamics.tables=[{length:0.5},{length:1.0}]' dynamics.period=20000"
            )
        if self.period <= 0:
            raise ConfigError("dynamics.period must be positive")
        self.tables = [flatten(t) for t in self.tables]

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        return self.tables[(self.time(step, episode) // self.period) % len(self.tables)]

    def mentioned(self) -> list[Values]:
        return [dict(t) for t in self.tables]


@dataclass
class Burst(Schedule):
    """The env's own values, but ``values`` for ``duration`` time units every ``every`` units
    (the first burst at ``first``): short, recurring disturbances."""

    name: str = "burst"

    values_in_burst: Table = field(default_factory=dict)
    every: int = 20_000
    duration: int = 2_000
    first: int = 10_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.values_in_burst:
            raise ConfigError("dynamics=burst needs values: +dynamics.values_in_burst.<param>=...")
        if not 0 < self.duration < self.every:
            raise ConfigError(
                f"dynamics.duration={self.duration} must be positive and shorter than "
                f"dynamics.every={self.every}"
            )
        self.values_in_burst = flatten(self.values_in_burst)

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        t = self.time(step, episode) - self.first
        return self.values_in_burst if t >= 0 and t % self.every < self.duration else {}

    def mentioned(self) -> list[Values]:
        return [dict(self.values_in_burst)]


@dataclass
class RandomJump(Schedule):
    """At each time unit the parameters jump, with probability ``rate * decay ** t``, to values drawn
    uniformly in ``ranges``, and hold until the next jump: NS-Gym's memoryless scheduler
    (``decay: 1``) and its decaying-probability one (``decay < 1``). The world, not an env copy,
    jumps: the jumps are a function of time and ``seed`` alone (every copy, and a resumed run,
    sees the same ones). Before the first jump, the env's own values."""

    name: str = "random_jump"

    ranges: Table = field(default_factory=dict)
    rate: float = 1e-4
    decay: float = 1.0
    seed: int = 0

    BLOCK = 4096  # time units drawn together, from a generator of (seed, block) alone

    def __post_init__(self) -> None:
        super().__post_init__()
        self.ranges = flatten(self.ranges)
        if not self.ranges:
            raise ConfigError("dynamics=random_jump needs ranges: '+dynamics.ranges.<param>=[low,high]'")
        for name, bounds in self.ranges.items():
            if len(bounds) != 2 or bounds[0] > bounds[1]:
                raise ConfigError(f"dynamics.ranges.{name} must be [low, high], got {list(bounds)}")
        if not 0 < self.rate <= 1 or not 0 < self.decay <= 1:
            raise ConfigError(f"dynamics.rate={self.rate} and dynamics.decay={self.decay} must be in (0, 1]")
        self._names = list(self.ranges)
        self._low = np.array([self.ranges[k][0] for k in self._names], dtype=float)
        self._high = np.array([self.ranges[k][1] for k in self._names], dtype=float)
        self._blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._starts: dict[int, Values] = {}

    def _block(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Block ``b``'s jump times and the values drawn at each."""
        if b not in self._blocks:
            draw = np.random.default_rng([self.seed, b])
            t = np.arange(b * self.BLOCK, (b + 1) * self.BLOCK)
            times = t[draw.random(self.BLOCK) < self.rate * self.decay**t]
            drawn = draw.uniform(self._low, self._high, size=(len(times), len(self._names)))
            self._blocks[b] = (times, drawn)
        return self._blocks[b]

    def _at_start(self, b: int) -> Values:
        """The values in force when block ``b`` begins (the last jump before it)."""
        k = max((k for k in self._starts if k <= b), default=0)
        value = self._starts.setdefault(k, {})
        while k < b:
            times, drawn = self._block(k)
            if len(times):
                value = dict(zip(self._names, drawn[-1].tolist(), strict=True))
            k += 1
            self._starts[k] = value
        return value

    def values(self, step: int, episode: int, rng: np.random.Generator) -> Values:
        t = self.time(step, episode)
        times, drawn = self._block(t // self.BLOCK)
        i = int(np.searchsorted(times, t, side="right")) - 1
        if i >= 0:
            return dict(zip(self._names, drawn[i].tolist(), strict=True))
        return self._at_start(t // self.BLOCK)

    def mentioned(self) -> list[Values]:
        return [
            {k: float(v[0]) for k, v in self.ranges.items()},
            {k: float(v[1]) for k, v in self.ranges.items()},
        ]


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

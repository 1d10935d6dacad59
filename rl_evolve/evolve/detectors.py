"""Change detectors over a stream of per-episode signals (return in service, model surprise).

``CUSUM`` is written here (a standardised two-sided cumulative sum, Page 1954); ``ADWIN``
(Bifet & Gavaldà 2007) and ``PageHinkley`` are river's, behind the same two-method interface:
``update(value) -> bool`` (True when this value raises an alarm) and ``reset()``. Which one, and
its settings: the ``_target_`` node ``evolve.detector`` (``conf/evolve/detector/``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from hydra.errors import InstantiationException
from hydra.utils import instantiate

from rl_evolve.errors import ConfigError, invalid_choice


class Detector(Protocol):
    def update(self, value: float) -> bool: ...

    def reset(self) -> None: ...


@dataclass
class CUSUM:
    """Alarms when the signal's mean moves by more than ``drift`` reference standard deviations
    for long enough that the cumulative excess passes ``threshold``. The reference mean and
    deviation come from the first ``warmup`` values after each (re)start.

    ``direction``: ``down`` (a falling return), ``up`` (a rising surprise) or ``both``.
    """

    # Defaults: no alarm in 100 stationary unit-noise streams of 300 values, a 3-sigma drop
    # found within 9 values (tests/evolve/test_detectors.py checks five of each).
    threshold: float = 10.0
    drift: float = 1.0
    warmup: int = 30
    direction: str = "both"
    min_std: float = 1e-6  # a constant warm-up stream would otherwise divide by zero
    # the deviation is at least this fraction of the reference mean: a policy at an episode cap
    # returns the same value every time, and one short episode must not count as many sigmas
    min_relative_std: float = 0.05
    # each value counts at most this many deviations (a winsorised CUSUM): one outlying episode
    # (a pole that fell once, an explored step into states the model never saw) then cannot
    # alarm alone, a lasting shift alarms within ceil(threshold / (clip - drift)) values. None: as is
    clip: float | None = None
    _reference: list[float] = field(default_factory=list, repr=False)
    _high: float = 0.0
    _low: float = 0.0

    def __post_init__(self) -> None:
        if self.direction not in ("down", "up", "both"):
            raise invalid_choice("CUSUM direction", self.direction, ("down", "up", "both"))
        if self.threshold <= 0 or self.drift < 0 or self.warmup < 2:
            raise ConfigError("CUSUM needs threshold > 0, drift >= 0 and warmup >= 2")
        if self.clip is not None and self.clip <= self.drift:
            raise ConfigError(
                f"CUSUM clip={self.clip} must be above drift={self.drift}: no value could then add to the sum"
            )

    def reset(self) -> None:
        self._reference, self._high, self._low = [], 0.0, 0.0

    def update(self, value: float) -> bool:
        if len(self._reference) < self.warmup:
            self._reference.append(float(value))
            return False
        n = len(self._reference)
        mean = sum(self._reference) / n
        std = max(
            math.sqrt(sum((x - mean) ** 2 for x in self._reference) / (n - 1)),
            self.min_std,
            self.min_relative_std * abs(mean),
        )
        z = (float(value) - mean) / std
        if self.clip is not None:
            z = max(-self.clip, min(self.clip, z))
        self._high = max(0.0, self._high + z - self.drift)
        self._low = max(0.0, self._low - z - self.drift)
        alarm = (self.direction != "down" and self._high > self.threshold) or (
            self.direction != "up" and self._low > self.threshold
        )
        if alarm:
            self.reset()  # the next warm-up measures the new regime
        return alarm


class RiverDetector:
    """A river ``drift`` detector behind ``update``/``reset``; ``reset`` starts a fresh clone
    (river's ``clone`` keeps the parameters, not the state)."""

    def __init__(self, detector: Any):
        self._detector = detector

    def reset(self) -> None:
        self._detector = self._detector.clone()

    def update(self, value: float) -> bool:
        self._detector.update(float(value))
        return bool(self._detector.drift_detected)


def build_detector(node: Mapping[str, Any], direction: str = "both") -> Detector:
    """The detector ``node``'s ``_target_`` names (``conf/evolve/detector/``), built by Hydra: a
    CUSUM watching ``direction`` unless the node sets one, or a river drift detector wrapped in
    the loop's interface. Settings it does not take fail in one line."""
    try:
        made = instantiate(node)
    except InstantiationException as exc:
        cause = exc.__cause__ or exc
        raise ConfigError(f"evolve.detector ({node.get('_target_')}): {str(cause).splitlines()[0]}") from exc
    if isinstance(made, CUSUM):
        if "direction" not in node:
            made = dataclasses.replace(made, direction=direction)
        return made
    if hasattr(made, "drift_detected"):
        return RiverDetector(made)
    if callable(getattr(made, "update", None)) and callable(getattr(made, "reset", None)):
        return made
    raise ConfigError(
        f"evolve.detector: {node.get('_target_')} is not a change detector "
        "(neither update/reset nor a river drift detector)"
    )

"""Change detectors over a stream of per-episode signals (return in service, model surprise).

``CUSUM`` is written here (a standardised two-sided cumulative sum, Page 1954); ``ADWIN``
(Bifet & Gavaldà 2007) and ``PageHinkley`` are river's, behind the same two-method interface:
``update(value) -> bool`` (True when this value raises an alarm) and ``reset()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

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
    _reference: list[float] = field(default_factory=list, repr=False)
    _high: float = 0.0
    _low: float = 0.0

    def __post_init__(self) -> None:
        if self.direction not in ("down", "up", "both"):
            raise invalid_choice("CUSUM direction", self.direction, ("down", "up", "both"))
        if self.threshold <= 0 or self.drift < 0 or self.warmup < 2:
            raise ConfigError("CUSUM needs threshold > 0, drift >= 0 and warmup >= 2")

    def reset(self) -> None:
        self._reference, self._high, self._low = [], 0.0, 0.0

    def update(self, value: float) -> bool:
        if len(self._reference) < self.warmup:
            self._reference.append(float(value))
            return False
        n = len(self._reference)
        mean = sum(self._reference) / n
        std = max(math.sqrt(sum((x - mean) ** 2 for x in self._reference) / (n - 1)), self.min_std,
                  self.min_relative_std * abs(mean))
        z = (float(value) - mean) / std
        self._high = max(0.0, self._high + z - self.drift)
        self._low = max(0.0, self._low - z - self.drift)
        alarm = (self.direction != "down" and self._high > self.threshold) or (
            self.direction != "up" and self._low > self.threshold)
        if alarm:
            self.reset()  # the next warm-up measures the new regime
        return alarm


class RiverDetector:
    """A river ``drift`` detector behind ``update``/``reset``; ``reset`` builds a fresh one."""

    def __init__(self, name: str, **params: Any):
        from river import drift

        self._factory = {"adwin": drift.ADWIN, "page_hinkley": drift.PageHinkley}[name]
        self._params = params
        self._detector = self._factory(**params)

    def reset(self) -> None:
        self._detector = self._factory(**self._params)

    def update(self, value: float) -> bool:
        self._detector.update(float(value))
        return bool(self._detector.drift_detected)


DETECTORS = ("cusum", "adwin", "page_hinkley")


def build_detector(name: str, **params: Any) -> Detector:
    """``cusum``, ``adwin`` or ``page_hinkley`` with its parameters; unknown ones fail in one line."""
    if name not in DETECTORS:
        raise invalid_choice("evolve.detector", name, DETECTORS)
    try:
        return CUSUM(**params) if name == "cusum" else RiverDetector(name, **params)
    except TypeError as exc:
        raise ConfigError(f"evolve.detector={name}: {exc}") from exc

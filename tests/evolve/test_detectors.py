"""Each detector on synthetic streams with a known change point: delay, and no alarm without one."""

from __future__ import annotations

import numpy as np
import pytest

from rl_evolve.errors import ConfigError
from rl_evolve.evolve.detectors import CUSUM, build_detector

CHANGE = 150


def stream(shift: float, seed: int, n: int = 300) -> np.ndarray:
    """Unit-variance noise around 0, its mean moved by ``shift`` from index CHANGE on."""
    values = np.random.default_rng(seed).normal(0.0, 1.0, n)
    values[CHANGE:] += shift
    return values


def alarms(detector, values) -> list[int]:
    return [i for i, v in enumerate(values) if detector.update(v)]


SETTINGS = {
    "cusum": {},  # its defaults
    "adwin": {"delta": 0.01, "clock": 1},
    "page_hinkley": {"min_instances": 30, "delta": 0.5, "threshold": 20.0},
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_a_drop_of_three_standard_deviations_is_detected_within_ten_episodes(name):
    for seed in range(5):
        found = alarms(build_detector(name, **SETTINGS[name]), stream(-3.0, seed))
        after = [i for i in found if i >= CHANGE]
        assert after and after[0] - CHANGE <= 10, (seed, found)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_no_alarm_on_a_stationary_stream(name):
    for seed in range(5):
        assert alarms(build_detector(name, **SETTINGS[name]), stream(0.0, seed)) == []


def test_cusum_watches_only_the_direction_it_is_told():
    rise = stream(+3.0, 0)
    assert alarms(CUSUM(direction="down"), rise) == []
    assert alarms(CUSUM(direction="up"), rise)


def test_cusum_measures_the_new_regime_after_an_alarm():
    found = alarms(CUSUM(), stream(-3.0, 1))
    assert len(found) == 1  # the level it settled at is the new reference, not a second change


def test_an_unknown_detector_names_the_valid_ones():
    with pytest.raises(ConfigError, match="did you mean 'adwin'"):
        build_detector("adwim")


def test_a_bad_detector_parameter_fails_in_one_line():
    with pytest.raises(ConfigError, match="evolve.detector=page_hinkley"):
        build_detector("page_hinkley", treshold=3)

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


CUSUM_TARGET = "rl_evolve.evolve.detectors.CUSUM"
SETTINGS = {  # the evolve.detector nodes
    "cusum": {"_target_": CUSUM_TARGET},  # its defaults
    "adwin": {"_target_": "river.drift.ADWIN", "delta": 0.01, "clock": 1},
    "page_hinkley": {
        "_target_": "river.drift.PageHinkley",
        "min_instances": 30,
        "delta": 0.5,
        "threshold": 20.0,
    },
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_a_drop_of_three_standard_deviations_is_detected_within_ten_episodes(name):
    for seed in range(5):
        found = alarms(build_detector(SETTINGS[name]), stream(-3.0, seed))
        after = [i for i in found if i >= CHANGE]
        assert after and after[0] - CHANGE <= 10, (seed, found)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_no_alarm_on_a_stationary_stream(name):
    for seed in range(5):
        assert alarms(build_detector(SETTINGS[name]), stream(0.0, seed)) == []


def test_cusum_watches_only_the_direction_it_is_told():
    rise = stream(+3.0, 0)
    assert alarms(CUSUM(direction="down"), rise) == []
    assert alarms(CUSUM(direction="up"), rise)


def test_cusum_measures_the_new_regime_after_an_alarm():
    found = alarms(CUSUM(), stream(-3.0, 1))
    assert len(found) == 1  # the level it settled at is the new reference, not a second change


def test_a_setting_the_detector_does_not_take_fails_in_one_line():
    with pytest.raises(ConfigError, match="unexpected keyword argument 'thresold'"):
        build_detector({"_target_": CUSUM_TARGET, "thresold": 3})


def test_cusum_takes_the_signals_direction_unless_its_node_sets_one():
    assert build_detector({"_target_": CUSUM_TARGET}, "down").direction == "down"
    assert build_detector({"_target_": CUSUM_TARGET, "direction": "both"}, "down").direction == "both"


@pytest.mark.parametrize("choice", ["cusum", "adwin", "page_hinkley"])
def test_every_shipped_detector_config_builds_one_that_resets(composed, choice):
    node = composed("task=evolve", f"evolve/detector={choice}").evolve.detector
    detector = build_detector(node, "down")
    assert alarms(detector, stream(-3.0, 0)), "a drop of three deviations goes unnoticed"
    detector.reset()
    assert alarms(detector, stream(0.0, 1)) == []


def test_a_target_that_is_no_detector_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="collections.Counter is not a change detector"):
        build_detector({"_target_": "collections.Counter"})

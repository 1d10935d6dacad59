"""Each schedule yields the documented values at the documented times."""

from __future__ import annotations

import numpy as np
import pytest

from rl_evolve.envs.schedules import Constant, Linear, Piecewise, Random, Sine, build_schedule
from rl_evolve.errors import ConfigError

RNG = np.random.default_rng(0)


def test_constant_changes_nothing():
    assert Constant().values(10_000, 5, RNG) == {}


def test_piecewise_switches_at_the_given_steps_and_keeps_unnamed_parameters():
    s = Piecewise(switches=[{"at": 100, "values": {"length": 1.0}},
                            {"at": 0, "values": {"length": 0.5, "gravity": 9.8}},
                            {"at": 300, "values": {"gravity": 20.0}}])
    assert s.values(0, 0, RNG) == {"length": 0.5, "gravity": 9.8}
    assert s.values(99, 0, RNG) == {"length": 0.5, "gravity": 9.8}
    assert s.values(100, 0, RNG) == {"length": 1.0, "gravity": 9.8}
    assert s.values(5000, 0, RNG) == {"length": 1.0, "gravity": 20.0}


def test_piecewise_in_episodes_counts_episodes_not_steps():
    s = Piecewise(unit="episodes", switches=[{"at": 3, "values": {"tau": 0.01}}])
    assert s.values(10_000, 2, RNG) == {} and s.values(0, 3, RNG) == {"tau": 0.01}


def test_linear_drifts_between_begin_and_finish_and_is_flat_outside():
    s = Linear(start={"gravity": 10.0}, end={"gravity": 20.0}, begin=100, finish=200)
    assert s.values(0, 0, RNG) == {"gravity": 10.0}
    assert s.values(150, 0, RNG) == pytest.approx({"gravity": 15.0})
    assert s.values(10_000, 0, RNG) == {"gravity": 20.0}


def test_sine_has_its_center_amplitude_and_period():
    s = Sine(center={"g": 10.0}, amplitude={"g": 2.0}, period=400)
    assert s.values(0, 0, RNG)["g"] == pytest.approx(10.0)
    assert s.values(100, 0, RNG)["g"] == pytest.approx(12.0)
    assert s.values(300, 0, RNG)["g"] == pytest.approx(8.0)
    assert s.values(400, 0, RNG)["g"] == pytest.approx(10.0)


def test_random_stays_in_its_ranges_and_is_reproducible_per_seed():
    s = Random(ranges={"length": [0.25, 1.0], "masspole": [0.05, 0.2]})
    draws = [s.values(0, i, np.random.default_rng(7)) for i in range(3)]
    assert draws[0] == draws[1] == draws[2]
    rng = np.random.default_rng(1)
    many = [s.values(0, i, rng) for i in range(500)]
    lengths = np.array([d["length"] for d in many])
    assert lengths.min() >= 0.25 and lengths.max() <= 1.0 and lengths.std() > 0.1
    assert many[0] != many[1]


def test_random_refuses_mid_episode_draws():
    with pytest.raises(ConfigError, match="apply_at must be 'episode'"):
        Random(ranges={"length": [0.2, 0.4]}, apply_at="step")


def test_schedules_build_from_their_config_node():
    node = {"_target_": "rl_evolve.envs.schedules.Linear", "name": "linear", "start": {"tau": 0.02},
            "end": {"tau": 0.04}, "begin": 0, "finish": 10}
    assert build_schedule(node).values(5, 0, RNG) == pytest.approx({"tau": 0.03})


def test_a_bad_schedule_config_is_one_clear_error():
    node = {"_target_": "rl_evolve.envs.schedules.Linear", "name": "linear", "start": {"tau": 0.02},
            "end": {"tau": 0.04}, "begin": 10, "finish": 10}
    with pytest.raises(ConfigError, match="finish must come after"):
        build_schedule(node)

"""Each schedule yields the documented values at the documented times."""

from __future__ import annotations

import numpy as np
import pytest

from rl_evolve.envs.schedules import (
    Burst,
    Constant,
    Linear,
    Periodic,
    Piecewise,
    Random,
    RandomJump,
    Sine,
    build_schedule,
)
from rl_evolve.errors import ConfigError

RNG = np.random.default_rng(0)


def test_constant_changes_nothing():
    assert Constant().values(10_000, 5, RNG) == {}


def test_piecewise_switches_at_the_given_steps_and_keeps_unnamed_parameters():
    s = Piecewise(
        switches=[
            {"at": 100, "values": {"length": 1.0}},
            {"at": 0, "values": {"length": 0.5, "gravity": 9.8}},
            {"at": 300, "values": {"gravity": 20.0}},
        ]
    )
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
    node = {
        "_target_": "rl_evolve.envs.schedules.Linear",
        "name": "linear",
        "start": {"tau": 0.02},
        "end": {"tau": 0.04},
        "begin": 0,
        "finish": 10,
    }
    assert build_schedule(node).values(5, 0, RNG) == pytest.approx({"tau": 0.03})


def test_a_bad_schedule_config_is_one_clear_error():
    node = {
        "_target_": "rl_evolve.envs.schedules.Linear",
        "name": "linear",
        "start": {"tau": 0.02},
        "end": {"tau": 0.04},
        "begin": 10,
        "finish": 10,
    }
    with pytest.raises(ConfigError, match="finish must come after"):
        build_schedule(node)


def test_nested_tables_name_the_dotted_parameter():
    s = Linear(start={"mass": {"torso": 1.0}}, end={"mass": {"torso": 3.0}}, finish=10)
    assert s.values(5, 0, RNG) == {"mass.torso": 2.0}


def test_periodic_cycles_its_tables_round_and_round():
    s = Periodic(tables=[{"length": 0.5}, {"length": 1.0}, {}], period=10)
    assert [s.values(t, 0, RNG) for t in (0, 9, 10, 25, 30, 41)] == [
        {"length": 0.5},
        {"length": 0.5},
        {"length": 1.0},
        {},
        {"length": 0.5},
        {"length": 1.0},
    ]


def test_burst_holds_its_values_only_inside_each_window():
    s = Burst(values_in_burst={"gravity": 20.0}, every=100, duration=10, first=50)
    inside = [t for t in range(400) if s.values(t, 0, RNG)]
    assert inside == [*range(50, 60), *range(150, 160), *range(250, 260), *range(350, 360)]


def test_burst_longer_than_its_period_is_refused():
    with pytest.raises(ConfigError, match="shorter than dynamics.every"):
        Burst(values_in_burst={"gravity": 20.0}, every=10, duration=10)


def test_random_jump_is_a_function_of_time_and_seed_alone():
    times = np.random.default_rng(1).integers(0, 50_000, 200)
    forward = RandomJump(ranges={"gravity": [5.0, 20.0]}, rate=1e-3, seed=3)
    backward = RandomJump(ranges={"gravity": [5.0, 20.0]}, rate=1e-3, seed=3)
    ahead = [forward.values(int(t), 0, RNG) for t in sorted(times)]
    behind = [backward.values(int(t), 0, RNG) for t in sorted(times, reverse=True)][::-1]
    assert ahead == behind
    other = RandomJump(ranges={"gravity": [5.0, 20.0]}, rate=1e-3, seed=4)
    assert ahead != [other.values(int(t), 0, RNG) for t in sorted(times)]


def test_random_jump_jumps_at_its_rate_and_holds_between_jumps():
    s = RandomJump(ranges={"gravity": [5.0, 20.0]}, rate=0.01, seed=0)
    values = [s.values(t, 0, RNG).get("gravity") for t in range(100_000)]
    jumps = sum(a != b for a, b in zip(values[:-1], values[1:], strict=True))
    assert 850 <= jumps <= 1150  # 1000 expected; the Poisson sd is about 32
    assert all(5.0 <= v <= 20.0 for v in values if v is not None)


def test_random_jump_with_decay_jumps_less_and_less():
    s = RandomJump(ranges={"gravity": [5.0, 20.0]}, rate=0.01, decay=0.9999, seed=0)
    values = [s.values(t, 0, RNG).get("gravity") for t in range(40_000)]
    changes = np.flatnonzero([a != b for a, b in zip(values[:-1], values[1:], strict=True)])
    assert (changes < 10_000).sum() > 3 * (changes >= 30_000).sum() > 0

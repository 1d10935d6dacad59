"""The dynamics wrapper: info, VecEnvs, observation augmentation, Gymnasium's env checker."""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

from rl_evolve.config.groups import group_options
from rl_evolve.env_factory import build_vec_env, make_env
from rl_evolve.envs import cartpole
from rl_evolve.envs.schedules import Piecewise, Random
from rl_evolve.envs.wrapper import DynamicsWrapper
from rl_evolve.errors import ConfigError


def cartpole_settings(**extra) -> dict:
    return {
        "name": "cartpole",
        "id": "CartPole-v1",
        "dynamics_spec": "rl_evolve.envs.cartpole:SPEC",
        "dynamics": {},
        **extra,
    }


def test_info_reports_the_values_in_force():
    env = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, fixed={"gravity": 12.0})
    _, info = env.reset(seed=0)
    assert info["dynamics"]["gravity"] == 12.0 and info["dynamics"]["length"] == 0.5
    assert env.step(0)[4]["dynamics"]["gravity"] == 12.0


def test_a_deep_copy_of_the_info_is_equal_and_independent_of_the_env():
    env = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC)
    _, info = env.reset(seed=0)
    copied = copy.deepcopy([info])[0]["dynamics"]  # as SB3's DummyVecEnv copies every step's infos
    copied["gravity"] = 1.0
    assert copied != info["dynamics"] and info["dynamics"] == env.current_dynamics
    assert env.current_dynamics["gravity"] == pytest.approx(9.8)


def test_changes_wait_for_the_episode_boundary_by_default():
    schedule = Piecewise(switches=[{"at": 3, "values": {"length": 1.0}}])
    env = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, schedule)
    env.reset(seed=0)
    lengths = [env.step(0)[4]["dynamics"]["length"] for _ in range(5)]
    assert lengths == [0.5] * 5
    _, info = env.reset()
    assert info["dynamics"]["length"] == 1.0 and env.unwrapped.length == 1.0


def test_mid_episode_changes_when_asked():
    schedule = Piecewise(apply_at="step", switches=[{"at": 3, "values": {"length": 1.0}}])
    env = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, schedule)
    env.reset(seed=0)
    lengths = [env.step(0)[4]["dynamics"]["length"] for _ in range(5)]
    assert lengths == [0.5, 0.5, 0.5, 1.0, 1.0]


def test_step_scale_puts_the_schedule_on_the_runs_total_steps():
    schedule = Piecewise(apply_at="step", switches=[{"at": 8, "values": {"length": 1.0}}])
    env = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, schedule, step_scale=4)
    env.reset(seed=0)
    lengths = [env.step(0)[4]["dynamics"]["length"] for _ in range(4)]
    assert lengths == [0.5, 0.5, 1.0, 1.0]  # the 3rd local step is the run's step 2 x 4 = 8


@pytest.mark.parametrize("vec_cls", [DummyVecEnv, SubprocVecEnv], ids=["dummy", "subproc"])
def test_parameters_reach_the_env_inside_vec_envs(vec_cls):
    settings = cartpole_settings(dynamics={"length": 1.5, "masspole": 0.3})
    venv = build_vec_env(settings, 2, seed=0, kind="subproc" if vec_cls is SubprocVecEnv else "dummy")
    try:
        assert isinstance(venv, vec_cls)
        assert venv.get_attr("polemass_length") == pytest.approx([0.45, 0.45])  # on the base env
        assert venv.get_attr("length") == pytest.approx([1.5, 1.5])
    finally:
        venv.close()


@pytest.mark.slow
def test_random_dynamics_are_reproducible_per_seed_inside_subproc_vec_env():
    schedule = {
        "_target_": "rl_evolve.envs.schedules.Random",
        "name": "random",
        "ranges": {"length": [0.25, 1.0]},
    }
    draws = []
    for _ in range(2):
        venv = build_vec_env(cartpole_settings(schedule=schedule), 2, seed=5, kind="subproc")
        venv.reset()
        draws.append(venv.get_attr("length"))
        venv.close()
    assert draws[0] == draws[1] and draws[0][0] != draws[0][1]
    assert all(0.25 <= x <= 1.0 for x in draws[0])


def test_observed_parameters_are_appended_normalised_with_a_matching_space():
    env = DynamicsWrapper(
        gym.make("CartPole-v1"), cartpole.SPEC, fixed={"gravity": 9.8}, observe=["gravity", "length"]
    )
    obs, _ = env.reset(seed=0)
    assert env.observation_space.shape == (6,) and obs.shape == (6,)
    assert env.observation_space.contains(obs)
    spec = cartpole.SPEC.params
    expected = [
        (9.8 - spec["gravity"].low) / (spec["gravity"].high - spec["gravity"].low),
        (0.5 - spec["length"].low) / (spec["length"].high - spec["length"].low),
    ]
    np.testing.assert_allclose(obs[4:], expected, rtol=1e-6)
    assert list(env.observation_space.low[4:]) == [0, 0] and list(env.observation_space.high[4:]) == [1, 1]


def test_observed_values_follow_a_schedule():
    env = DynamicsWrapper(
        gym.make("CartPole-v1"), cartpole.SPEC, Random(ranges={"length": [0.25, 1.0]}), observe=["length"]
    )
    env.reset(seed=0)
    obs, info = env.reset()
    low, high = cartpole.SPEC.params["length"].low, cartpole.SPEC.params["length"].high
    assert obs[-1] == pytest.approx((info["dynamics"]["length"] - low) / (high - low), rel=1e-6)


def test_observing_an_unknown_parameter_fails():
    with pytest.raises(ConfigError, match="did you mean 'length'"):
        DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, observe=["lenght"])


@pytest.mark.parametrize("name", group_options("env"))
def test_every_shipped_env_passes_gymnasiums_env_checker_with_its_wrapper(name, composed):
    from rl_evolve.env_factory import env_settings

    settings = env_settings(composed(f"env={name}").env)
    env = make_env(settings)
    assert isinstance(env, DynamicsWrapper)
    check_env(env, skip_render_check=True)
    observed = make_env({**settings, "observe": [next(iter(env.dynamics_spec.params))]})
    check_env(observed, skip_render_check=True)


def _random_lengths(env: DynamicsWrapper, episodes: int) -> list[float]:
    return [env.reset()[1]["dynamics"]["length"] for _ in range(episodes)]


def test_a_restored_clock_continues_the_random_schedule_instead_of_repeating_it():
    def make() -> DynamicsWrapper:
        return DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, Random(ranges={"length": [0.3, 2.0]}))

    uninterrupted = make()
    uninterrupted.reset(seed=3)
    expected = _random_lengths(uninterrupted, 7)

    first = make()
    first.reset(seed=3)
    assert _random_lengths(first, 3) == expected[:3]
    resumed = make()
    resumed.set_schedule_clock(first.schedule_clock())
    resumed.reset(seed=3)  # the VecEnv seeds the first reset of the resumed run again
    assert _random_lengths(resumed, 3) == expected[4:]  # the seeded reset drew expected[3]


def test_a_restored_clock_keeps_a_piecewise_switch_that_already_happened():
    schedule = Piecewise(
        switches=[{"at": 0, "values": {"length": 0.5}}, {"at": 10, "values": {"length": 1.5}}],
        apply_at="step",
    )
    first = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, schedule)
    first.reset(seed=0)
    for _ in range(12):
        if first.step(0)[2]:
            first.reset()
    resumed = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, schedule)
    resumed.set_schedule_clock(first.schedule_clock())
    resumed.reset(seed=0)
    assert resumed.step(0)[4]["dynamics"]["length"] == 1.5
    assert resumed.schedule_clock()["steps"] == 13

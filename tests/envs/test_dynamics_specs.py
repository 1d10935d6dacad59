"""Each spec's parameters reach the env's equations, derived quantities included."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.classic_control.acrobot import AcrobotEnv
from gymnasium.envs.classic_control.mountain_car import MountainCarEnv

from rl_evolve.envs import acrobot, cartpole, lunar_lander, mountain_car, pendulum
from rl_evolve.envs.wrapper import DynamicsWrapper
from rl_evolve.errors import ConfigError


def cartpole_euler_step(state, action, *, gravity, masscart, masspole, length, force_mag, tau):
    """Gymnasium's CartPole equations (Florian 2005), written out with explicit parameters."""
    x, x_dot, theta, theta_dot = state
    total_mass = masspole + masscart
    polemass_length = masspole * length
    force = force_mag if action == 1 else -force_mag
    cos, sin = np.cos(theta), np.sin(theta)
    temp = (force + polemass_length * theta_dot**2 * sin) / total_mass
    thetaacc = (gravity * sin - cos * temp) / (length * (4.0 / 3.0 - masspole * cos**2 / total_mass))
    xacc = temp - polemass_length * thetaacc * cos / total_mass
    return np.array(
        [x + tau * x_dot, x_dot + tau * xacc, theta + tau * theta_dot, theta_dot + tau * thetaacc]
    )


STATE = np.array([0.01, -0.2, 0.05, 0.3])


@pytest.mark.parametrize(
    "changed",
    [
        {"masspole": 0.5},
        {"length": 1.2},
        {"masscart": 3.0},
        {"gravity": 15.0, "tau": 0.01},
        {"force_mag": 20.0, "masspole": 0.3, "length": 0.8},
    ],
)
def test_cartpole_step_follows_the_equations_with_changed_parameters(changed):
    env = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, fixed=changed)
    env.reset(seed=0)
    env.unwrapped.state = STATE.copy()
    obs, *_ = env.step(1)
    params = {**cartpole.SPEC.defaults(), **changed}
    np.testing.assert_allclose(obs, cartpole_euler_step(STATE, 1, **params), rtol=1e-6)


def test_cartpole_masspole_or_length_alone_updates_polemass_length():
    env = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, fixed={"length": 2.0})
    assert env.unwrapped.polemass_length == pytest.approx(0.1 * 2.0)
    env = DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, fixed={"masspole": 0.4})
    assert env.unwrapped.polemass_length == pytest.approx(0.4 * 0.5)
    assert env.unwrapped.total_mass == pytest.approx(1.4)


def _same_step(ours: gym.Env, reference: gym.Env, state, action) -> None:
    ours.reset(seed=0)
    reference.reset(seed=0)
    ours.unwrapped.state = np.array(state, dtype=np.float64)
    reference.state = np.array(state, dtype=np.float64)
    np.testing.assert_allclose(ours.step(action)[0], reference.step(action)[0], rtol=1e-9)


def test_acrobot_step_equals_the_env_built_with_those_parameters():
    class LongHeavyAcrobot(AcrobotEnv):
        LINK_LENGTH_1, LINK_COM_POS_1 = 1.6, 0.8
        LINK_MASS_2, LINK_MOI = 2.5, 0.7

    changed = {"link_length_1": 1.6, "link_mass_2": 2.5, "link_moi": 0.7}
    ours = DynamicsWrapper(gym.make("Acrobot-v1"), acrobot.SPEC, fixed=changed)
    _same_step(ours, LongHeavyAcrobot(), [0.3, -0.2, 1.0, -0.5], 2)


def test_mountaincar_step_equals_the_env_built_with_those_parameters():
    class Steep(MountainCarEnv):
        def __init__(self):
            super().__init__()
            self.force, self.gravity = 0.002, 0.004

    ours = DynamicsWrapper(
        gym.make("MountainCar-v0"), mountain_car.SPEC, fixed={"force": 0.002, "gravity": 0.004}
    )
    _same_step(ours, Steep(), [-0.4, 0.01], 2)


def test_pendulum_step_follows_its_equations_with_changed_parameters():
    g, m, length = 15.0, 2.0, 0.5
    ours = DynamicsWrapper(gym.make("Pendulum-v1"), pendulum.SPEC, fixed={"g": g, "m": m, "l": length})
    ours.reset(seed=0)
    th, thdot, u = 0.4, -1.0, 1.5
    ours.unwrapped.state = np.array([th, thdot])
    obs, *_ = ours.step(np.array([u], dtype=np.float32))
    new_thdot = thdot + (3 * g / (2 * length) * np.sin(th) + 3.0 / (m * length**2) * u) * 0.05
    new_th = th + new_thdot * 0.05
    np.testing.assert_allclose(obs, [np.cos(new_th), np.sin(new_th), new_thdot], rtol=1e-5)


def test_pendulum_max_torque_moves_the_action_bounds():
    env = DynamicsWrapper(gym.make("Pendulum-v1"), pendulum.SPEC, fixed={"max_torque": 4.0})
    assert env.unwrapped.action_space.high[0] == pytest.approx(4.0)


def test_lunarlander_gravity_reaches_the_box2d_world_and_the_trajectory():
    ours = DynamicsWrapper(gym.make("LunarLander-v3"), lunar_lander.SPEC, fixed={"gravity": -3.0})
    reference = gym.make("LunarLander-v3", gravity=-3.0)
    a, _ = ours.reset(seed=3)
    b, _ = reference.reset(seed=3)
    assert tuple(ours.unwrapped.world.gravity) == pytest.approx((0.0, -3.0))
    for _ in range(20):
        a = ours.step(0)[0]
        b = reference.step(0)[0]
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_lunarlander_gravity_changed_mid_episode_reaches_the_world():
    env = DynamicsWrapper(gym.make("LunarLander-v3"), lunar_lander.SPEC)
    env.reset(seed=0)
    lunar_lander.SPEC.apply(env, {"gravity": -2.0})
    assert tuple(env.unwrapped.world.gravity) == pytest.approx((0.0, -2.0))


def test_unknown_parameter_names_the_closest_valid_one():
    with pytest.raises(ConfigError, match="did you mean 'masspole'"):
        DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, fixed={"mass_pole": 1.0})


def test_value_outside_bounds_names_the_bounds():
    with pytest.raises(ConfigError, match=r"outside its bounds \[0.05, 5.0\]"):
        DynamicsWrapper(gym.make("CartPole-v1"), cartpole.SPEC, fixed={"length": 10.0})

"""A MuJoCo parameter set through rl_evolve is the model edited by hand, constants recomputed."""

from __future__ import annotations

import gymnasium as gym
import mujoco
import numpy as np
import pytest

from rl_evolve.envs import mujoco as mj
from rl_evolve.envs.schedules import Linear, Piecewise
from rl_evolve.envs.wrapper import DynamicsWrapper

ENVS = {
    "InvertedPendulum-v5": mj.INVERTED_PENDULUM,
    "InvertedDoublePendulum-v5": mj.INVERTED_DOUBLE_PENDULUM,
    "Reacher-v5": mj.REACHER,
    "Swimmer-v5": mj.SWIMMER,
    "Hopper-v5": mj.HOPPER,
    "HalfCheetah-v5": mj.HALF_CHEETAH,
    "Walker2d-v5": mj.WALKER2D,
    "Ant-v5": mj.ANT,
}
VALUES = {
    "gravity": 15.0,
    "mass_scale": 1.7,
    "friction": 0.3,
    "damping_scale": 2.5,
    "gear_scale": 0.6,
    "viscosity": 0.5,
}
CASES = [(env_id, name) for env_id, spec in ENVS.items() for name in spec.names]
STEPS = 10


def edit_by_hand(model, name: str, value: float) -> None:
    """The reference: the compiled model's arrays edited directly, then mj_setConst."""
    if name == "gravity":
        model.opt.gravity[2] = -value
    elif name == "viscosity":
        model.opt.viscosity = value
    elif name == "mass_scale":
        model.body_mass[:] *= value
        model.body_inertia[:] *= value
    elif name.startswith("mass."):
        body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, name.split(".", 1)[1])
        model.body_mass[body] *= value
        model.body_inertia[body] *= value
    elif name == "friction":
        model.geom_friction[:, 0] *= value
    elif name == "damping_scale":
        model.dof_damping[:] *= value
    elif name == "gear_scale":
        model.actuator_gear[:, 0] *= value
    mujoco.mj_setConst(model, mujoco.MjData(model))


def rollout(env: gym.Env) -> np.ndarray:
    env.reset(seed=0)
    actions = np.random.default_rng(0).uniform(-1, 1, (STEPS, *env.action_space.shape))
    return np.array([env.step(a.astype(np.float32))[0] for a in actions])


@pytest.mark.parametrize(("env_id", "name"), CASES, ids=[f"{e}-{n}" for e, n in CASES])
def test_a_changed_parameter_steps_like_the_model_edited_by_hand(env_id, name):
    value = VALUES.get(name, 2.0)
    ours = rollout(DynamicsWrapper(gym.make(env_id), ENVS[env_id], fixed={name: value}))
    reference = gym.make(env_id)
    edit_by_hand(reference.unwrapped.model, name, value)
    np.testing.assert_allclose(ours, rollout(reference), rtol=1e-12, atol=1e-12)
    assert not np.allclose(ours, rollout(gym.make(env_id)), rtol=0, atol=1e-9), f"{name} did not act"


def test_changes_combine_as_their_product_on_the_model():
    changed = {"mass_scale": 1.7, "mass.torso": 2.0, "friction": 0.5, "gravity": 12.0}
    ours = rollout(DynamicsWrapper(gym.make("Hopper-v5"), mj.HOPPER, fixed=changed))
    reference = gym.make("Hopper-v5")
    for name, value in changed.items():
        edit_by_hand(reference.unwrapped.model, name, value)
    np.testing.assert_allclose(ours, rollout(reference), rtol=1e-12, atol=1e-12)


def test_the_defaults_are_the_models_own_values():
    for env_id, spec in ENVS.items():
        model = gym.make(env_id).unwrapped.model
        if "gravity" in spec.params:
            assert spec.params["gravity"].default == pytest.approx(-model.opt.gravity[2]), env_id
        if "viscosity" in spec.params:
            assert spec.params["viscosity"].default == pytest.approx(model.opt.viscosity), env_id


def test_every_named_body_and_no_other_is_a_mass_parameter():
    for env_id, spec in ENVS.items():
        model = gym.make(env_id).unwrapped.model
        named = {mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, i) for i in range(1, model.nbody)}
        named -= {None, "target"}  # Ant's lower legs are unnamed; Reacher's target is not simulated
        assert set(spec.bodies) == named, env_id


def test_a_scale_is_relative_to_the_xml_so_a_schedule_returns_exactly():
    env = DynamicsWrapper(gym.make("Hopper-v5"), mj.HOPPER)
    model = env.unwrapped.model
    original = model.body_mass.copy(), model.geom_friction.copy()
    for value in (2.0, 3.0, 1.0):
        env.dynamics_spec.apply(env, {"mass.torso": value, "friction": value})
    np.testing.assert_array_equal(model.body_mass, original[0])
    np.testing.assert_array_equal(model.geom_friction, original[1])


def test_a_scheduled_value_is_in_the_model_at_the_step_it_names():
    schedule = Piecewise(
        apply_at="step",
        switches=[{"at": 0, "values": {"mass.torso": 1.0}}, {"at": 5, "values": {"mass": {"torso": 2.0}}}],
    )
    env = DynamicsWrapper(gym.make("Hopper-v5"), mj.HOPPER, schedule)
    torso = mujoco.mj_name2id(env.unwrapped.model, mujoco.mjtObj.mjOBJ_BODY, "torso")
    original = env.unwrapped.model.body_mass[torso]
    env.reset(seed=0)
    for t in range(8):
        info = env.step(env.action_space.sample())[-1]
        expected = 2.0 if t >= 5 else 1.0
        assert info["dynamics"]["mass.torso"] == expected
        assert env.unwrapped.model.body_mass[torso] == pytest.approx(original * expected, rel=1e-12)


def test_a_drift_within_an_episode_changes_gravity_every_step():
    env = DynamicsWrapper(
        gym.make("HalfCheetah-v5"),
        mj.HALF_CHEETAH,
        Linear(apply_at="step", start={"gravity": 9.81}, end={"gravity": 19.62}, finish=10),
    )
    env.reset(seed=0)
    gravities = []
    for _ in range(5):
        env.step(np.zeros(6, dtype=np.float32))
        gravities.append(-env.unwrapped.model.opt.gravity[2])
    np.testing.assert_allclose(gravities, [9.81 + 0.981 * t for t in range(5)])


def test_a_mass_change_within_an_episode_leaves_its_state_where_it_is():
    env = DynamicsWrapper(gym.make("Hopper-v5"), mj.HOPPER)
    env.reset(seed=0)
    for _ in range(3):
        env.step(env.action_space.sample())
    data = env.unwrapped.data
    state = data.qpos.copy(), data.qvel.copy()
    env.dynamics_spec.apply(env, {"mass.torso": 2.0})  # mj_setConst works on data of its own
    np.testing.assert_array_equal(data.qpos, state[0])
    np.testing.assert_array_equal(data.qvel, state[1])


@pytest.mark.parametrize("env_id", list(ENVS))
def test_every_mujoco_env_passes_sb3s_env_checker_with_dynamics_applied(env_id):
    from stable_baselines3.common.env_checker import check_env

    spec = ENVS[env_id]
    env = DynamicsWrapper(
        gym.make(env_id), spec, fixed={"mass_scale": 1.5, "gear_scale": 0.8}, observe=["mass_scale"]
    )
    check_env(env, warn=False)


def test_an_observed_mujoco_parameter_is_appended_on_its_bounds_scale():
    env = DynamicsWrapper(gym.make("Hopper-v5"), mj.HOPPER, fixed={"mass.torso": 2.0}, observe=["mass.torso"])
    obs, _ = env.reset(seed=0)
    assert obs.shape == (12,)
    assert obs[-1] == pytest.approx((2.0 - 0.1) / (10.0 - 0.1), rel=1e-6)

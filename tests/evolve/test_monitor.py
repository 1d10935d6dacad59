"""Model surprise: a dynamics model fitted in one world is surprised when the physics moves."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rl_evolve.core.features import action_features
from rl_evolve.env_factory import make_env
from rl_evolve.evolve.monitor import SurpriseMonitor, Transitions


def random_transitions(length: float, steps: int, seed: int) -> Transitions:
    env = make_env(
        {
            "name": "cartpole",
            "id": "CartPole-v1",
            "dynamics_spec": "rl_evolve.envs.cartpole:SPEC",
            "dynamics": {"length": length},
        }
    )
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    rows = []
    for _ in range(steps):
        action = int(rng.integers(2))
        next_obs, _, terminated, truncated, _ = env.step(action)
        rows.append((obs, action, next_obs))
        obs = env.reset()[0] if terminated or truncated else next_obs
    return Transitions(*(np.array(column) for column in zip(*rows, strict=True)))


@pytest.fixture(scope="module")
def monitor() -> SurpriseMonitor:
    fitted = SurpriseMonitor(gym.spaces.Discrete(2), epochs=15, seed=0)
    fitted.fit(random_transitions(0.5, 1500, seed=0))
    return fitted


def test_surprise_stays_near_one_in_the_world_the_model_was_fitted_in(monitor):
    assert monitor.surprise(random_transitions(0.5, 300, seed=1)) < 3.0


def test_surprise_rises_with_the_change_of_physics(monitor):
    longer = [monitor.surprise(random_transitions(length, 300, seed=1)) for length in (0.5, 0.8, 2.0)]
    assert longer == sorted(longer) and longer[1] > 10.0


def test_discrete_actions_are_one_hot_and_box_actions_kept():
    np.testing.assert_array_equal(
        action_features(np.array([1, 0]), gym.spaces.Discrete(3)), [[0, 1, 0], [1, 0, 0]]
    )
    box = gym.spaces.Box(-2.0, 2.0, (1,))
    np.testing.assert_array_equal(action_features(np.array([[0.5], [-1.0]]), box), [[0.5], [-1.0]])


def test_a_saved_dynamics_model_scores_as_the_fitted_one(monitor, tmp_path):
    monitor.save(tmp_path / "v0.dynamics.pt")
    loaded = SurpriseMonitor.load(tmp_path / "v0.dynamics.pt", gym.spaces.Discrete(2))
    later = random_transitions(2.0, 200, seed=4)
    assert loaded.surprise(later) == pytest.approx(monitor.surprise(later))
    np.testing.assert_allclose(loaded.log_likelihood(later), monitor.log_likelihood(later), rtol=1e-6)

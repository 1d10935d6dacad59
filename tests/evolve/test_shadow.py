"""The shadow learner learns from transitions it never chose, and forgets the old world on cue."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3 import DQN, PPO, SAC
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.logger import configure

from rl_evolve.errors import ConfigError
from rl_evolve.evolve.shadow import Shadow, check_can_shadow, keep_last, own_update_ratio
from rl_evolve.evolve.world import World
from tests.evolve.test_world import CARTPOLE, Random

HOME = {k: v for k, v in CARTPOLE.items() if k != "schedule"}


def dqn(env) -> DQN:
    model = DQN(
        "MlpPolicy",
        env,
        learning_rate=1e-3,
        batch_size=64,
        learning_starts=500,
        buffer_size=10_000,
        target_update_interval=250,
        seed=1,
        policy_kwargs={"net_arch": [64, 64]},
    )
    model.set_logger(configure(None, []))
    return model


def test_a_shadow_improves_from_served_data_without_acting():
    world = World(HOME, seed=0)
    shadow = Shadow(dqn(world.vec_env), updates_per_step=1.0)
    world.observers.append(shadow.observe)
    judge = gym.make("CartPole-v1")
    before, _ = evaluate_policy(shadow.model, judge, 10, warn=False)
    for _ in range(20):  # a random policy serves; the shadow only watches
        world.play(Random(0), 5, "serve", 0, budget=10**9)
        shadow.learn()
    after, _ = evaluate_policy(shadow.model, judge, 10, warn=False)
    assert shadow.transitions == world.steps and shadow.updates > 1000
    assert after > max(5 * before, 80), (before, after)


def test_no_gradient_step_is_owed_before_the_replay_can_be_sampled():
    world = World(HOME, seed=0)
    shadow = Shadow(dqn(world.vec_env), updates_per_step=1.0)
    world.observers.append(shadow.observe)
    world.play(Random(0), 3, "serve", 0, budget=400)  # fewer than learning_starts=500
    assert shadow.learn() == 0 and shadow.updates == 0


def test_a_box_action_is_stored_scaled_as_sb3_stores_it():
    env = gym.make("Pendulum-v1")
    model = SAC("MlpPolicy", env, learning_starts=1, buffer_size=100, seed=0)
    model.set_logger(configure(None, []))
    shadow = Shadow(model)
    obs = np.zeros((1, 3), np.float32)
    shadow.observe(obs, np.array([[2.0]]), obs, np.zeros(1), np.zeros(1, bool), [{}])
    assert model.replay_buffer.actions[0, 0, 0] == pytest.approx(1.0)  # torque 2 of [-2, 2]


def test_the_update_ratio_defaults_to_the_algorithms_own_table():
    env = gym.make("CartPole-v1")
    assert own_update_ratio(DQN("MlpPolicy", env, train_freq=256, gradient_steps=128)) == 0.5
    assert own_update_ratio(DQN("MlpPolicy", env, train_freq=4, gradient_steps=-1)) == 1.0


def test_flushing_keeps_only_the_newest_transitions_in_order():
    space = gym.spaces.Box(-1, 1, (1,))
    buffer = ReplayBuffer(5, space, gym.spaces.Discrete(2))
    for i in range(7):  # wraps: holds 2..6, the next write at 2
        buffer.add(
            np.array([[i]]), np.array([[i + 1]]), np.array([[0]]), np.array([0.0]), np.array([False]), [{}]
        )
    keep_last(buffer, 2)
    assert buffer.size() == 2 and buffer.pos == 2
    np.testing.assert_array_equal(buffer.observations[:2, 0, 0], [5, 6])


def test_an_on_policy_champion_cannot_shadow_in_one_line():
    with pytest.raises(ConfigError, match="off-policy"):
        check_can_shadow(PPO("MlpPolicy", "CartPole-v1", n_steps=64), "ppo")

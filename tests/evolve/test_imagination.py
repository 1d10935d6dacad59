"""Dyna: a world model fitted on the shadow's replay imagines transitions for the shadow's own
actions, and planning steps on them teach the shadow without a world step."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from stable_baselines3.common.evaluation import evaluate_policy

from rl_evolve.evolve.imagination import Imagination, newest
from rl_evolve.evolve.shadow import Shadow
from rl_evolve.evolve.world import World
from tests.evolve.test_shadow import HOME, dqn
from tests.evolve.test_world import Random


def watched(seed: int, episodes: int, updates: float = 0.0, imagination=None) -> tuple[World, Shadow]:
    """A random policy serves ``episodes``; a DQN shadow watches (and learns, if told to)."""
    world = World(HOME, seed=seed)
    model = dqn(world.vec_env)
    if imagination is not None:
        imagination = Imagination(model, **imagination)
    shadow = Shadow(model, updates_per_step=updates, imagination=imagination)
    world.observers.append(shadow.observe)
    for _ in range(episodes // 5):
        world.play(Random(seed), 5, "serve", 0, budget=10**9)
        shadow.learn()
    return world, shadow


def real(buffer):
    idx = newest(buffer, buffer.size())
    ended = (buffer.dones[idx, 0] * (1 - buffer.timeouts[idx, 0])).astype(bool)
    return (
        buffer.observations[idx, 0],
        buffer.actions[idx, 0, 0].astype(int),
        buffer.next_observations[idx, 0],
        ended,
    )


def test_the_world_model_predicts_transitions_of_episodes_it_never_saw():
    _, shadow = watched(0, 100)
    imagination = Imagination(shadow.model, 1.0, seed=0)
    imagination.fit(shadow.model)
    obs, actions, next_obs, ended = real(watched(1, 50)[1].model.replay_buffer)
    predicted, rewards, _ = imagination.predict(obs, actions)
    error = np.sqrt(((predicted - next_obs) ** 2).mean(0))
    assert (error < 0.2 * (next_obs - obs).std(0)).all(), error
    assert np.allclose(rewards, 1.0, atol=1e-3), "CartPole pays 1 a step"
    p = imagination.end_probability(next_obs)
    assert ended.any() and p[ended].mean() > 5 * p[~ended].mean(), "the ends are where the pole falls"


def test_imagined_branches_start_from_served_states():
    _, shadow = watched(0, 40)
    imagination = Imagination(shadow.model, 1.0, horizon=3, starts=200, seed=0)
    imagination.refresh(shadow.model)
    buffer = imagination.buffer
    served = {tuple(o) for o in real(shadow.model.replay_buffer)[0]}
    starts = buffer.observations[:200, 0]
    assert all(tuple(o) in served for o in starts)
    assert 200 < buffer.size() <= 600, "three steps a branch, fewer where the model ends an episode"
    assert imagination.imagined == buffer.size()


def test_planning_teaches_a_shadow_that_takes_no_real_gradient_step():
    dyna = {"updates_per_step": 1.0, "starts": 2000, "every": 200, "seed": 0}
    world, shadow = watched(0, 100, updates=0.0, imagination=dyna)
    after, _ = evaluate_policy(shadow.model, gym.make("CartPole-v1"), 10, warn=False)
    planned = shadow.imagination
    assert shadow.updates == 0 and planned.updates > 1000 and planned.fits >= 3
    assert shadow.transitions == world.steps, "planning spent no world step"
    assert after > 80, after  # a random policy's CartPole return is about 20


def test_a_flush_forgets_the_old_worlds_model_and_what_it_imagined():
    _, shadow = watched(0, 40, imagination={"updates_per_step": 1.0, "starts": 100, "every": 200, "seed": 0})
    assert shadow.imagination.net is not None and shadow.imagination.buffer.size() > 0
    shadow.flush(keep=100)
    assert shadow.imagination.net is None and shadow.imagination.buffer.size() == 0
    planned = shadow.imagination.updates
    shadow.learn()
    assert shadow.imagination.updates == planned, "no planning until a model of the new world is fitted"

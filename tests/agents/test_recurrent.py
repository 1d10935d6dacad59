"""A recurrent policy acts with its memory wherever rl_evolve acts for it: the deployed world's
episodes carry RecurrentPPO's hidden state from step to step and reset it at episode starts."""

from __future__ import annotations

import numpy as np
from sb3_contrib import RecurrentPPO

from rl_evolve.evolve.world import World

SETTINGS = {"id": "CartPole-v1", "dynamics": {}}


def episode_return(world_seed: int, model: RecurrentPPO, with_memory: bool) -> float:
    """One episode acted by hand, the memory carried or dropped at every step."""
    world = World(SETTINGS, world_seed)
    obs, state, start, total, done = world._obs, None, np.ones(1, dtype=bool), 0.0, False  # as play starts
    while not done:
        action, state = model.predict(obs, state=state if with_memory else None, episode_start=start,
                                      deterministic=True)
        obs, reward, dones, _ = world.vec_env.step(action)
        total, done, start = total + float(reward[0]), bool(dones[0]), dones
    world.close()
    return total


def test_the_world_carries_a_recurrent_policys_memory_within_an_episode():
    world = World(SETTINGS, 3)
    model = RecurrentPPO("MlpLstmPolicy", world.vec_env, seed=2, policy_kwargs={"lstm_hidden_size": 8})
    played = [e.ret for e in world.play(model, 3, "serve", 0, budget=10_000)]
    world.close()
    by_hand = [episode_return(3, model, with_memory=True)]
    assert played[0] == by_hand[0]
    assert episode_return(3, model, with_memory=False) != by_hand[0], "memory matters to this policy"

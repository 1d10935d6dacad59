"""A recurrent policy acts with its memory wherever rl_evolve acts for it: the deployed world's
episodes and the evaluation grid carry RecurrentPPO's hidden state from step to step and reset it
at episode starts. The env is CartPole with its velocities masked (env=cartpole_novel), where
memory is what a policy has to know them by."""

from __future__ import annotations

import numpy as np
import torch
from sb3_contrib import RecurrentPPO

from rl_evolve.evaluate import grid as grid_map
from rl_evolve.evolve.world import World

SETTINGS = {
    "name": "cartpole_novel",
    "id": "CartPoleNoVel-v1",
    "max_episode_steps": 500,
    "entry_point": "rl_evolve.envs.partial_observation:cartpole",
    "dynamics_spec": "rl_evolve.envs.cartpole:SPEC",
    "dynamics": {},
}


def episode_return(world_seed: int, model: RecurrentPPO, with_memory: bool) -> float:
    """One episode acted by hand, the memory carried or dropped at every step."""
    world = World(SETTINGS, world_seed)
    obs, state, start, total, done = world._obs, None, np.ones(1, dtype=bool), 0.0, False  # as play starts
    while not done:
        action, state = model.predict(
            obs, state=state if with_memory else None, episode_start=start, deterministic=True
        )
        obs, reward, dones, _ = world.vec_env.step(action)
        total, done, start = total + float(reward[0]), bool(dones[0]), dones
    world.close()
    return total


def policy_with_memory(world: World) -> RecurrentPPO:
    """An untrained RecurrentPPO whose greedy action depends on its history: a fresh LSTM's memory
    barely moves it (the pole falls after the same 9 or 10 pushes, memory or none), so its
    recurrent layer and action head are scaled up."""
    model = RecurrentPPO("MlpLstmPolicy", world.vec_env, seed=2, policy_kwargs={"lstm_hidden_size": 8})
    with torch.no_grad():
        for p in [*model.policy.lstm_actor.parameters(), *model.policy.action_net.parameters()]:
            p.mul_(8)
    return model


def test_the_world_carries_a_recurrent_policys_memory_within_an_episode():
    world = World(SETTINGS, 3)
    model = policy_with_memory(world)
    played = [e.ret for e in world.play(model, 3, "serve", 0, budget=10_000)]
    world.close()
    by_hand = [episode_return(3, model, with_memory=True)]
    assert played[0] == by_hand[0]
    assert episode_return(3, model, with_memory=False) != by_hand[0], "memory matters to this policy"


def test_the_evaluation_grid_scores_a_recurrent_policy_with_its_memory():
    world = World(SETTINGS, 5)
    model = policy_with_memory(world)
    world.close()
    (scored,) = grid_map.score(model, SETTINGS, {"length": 0.5}, 1, True, 5)
    assert scored == episode_return(5, model, with_memory=True)
    assert scored != episode_return(5, model, with_memory=False), "memory matters to this policy"


def test_masked_velocities_are_zero_and_the_physics_is_the_base_envs():
    world = World({**SETTINGS, "dynamics": {"length": 1.0}}, 0)
    obs, _, _, _ = world.vec_env.step(np.array([1]))
    assert obs[0, 1] == 0 and obs[0, 3] == 0 and obs[0, 0] != 0
    assert world.vec_env.envs[0].unwrapped.length == 1.0
    world.close()

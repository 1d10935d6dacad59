"""The world counts every step, whoever acts, and never runs past its budget."""

from __future__ import annotations

import numpy as np

from rl_evolve.evolve.world import World

CARTPOLE = {"name": "cartpole", "id": "CartPole-v1", "dynamics_spec": "rl_evolve.envs.cartpole:SPEC",
            "schedule": {"_target_": "rl_evolve.envs.schedules.Piecewise", "name": "p",
                         "unit": "episodes", "switches": [{"at": 0, "values": {"length": 0.5}},
                                                          {"at": 3, "values": {"length": 2.0}}]}}


class Fixed:
    """A policy that always pushes left."""

    def predict(self, obs, state=None, episode_start=None, deterministic=True):  # SB3's signature
        return np.zeros(len(obs), dtype=np.int64), None


def test_every_step_is_counted_under_the_role_that_took_it():
    world = World(CARTPOLE, seed=0)
    served = world.play(Fixed(), 2, "serve", 0, budget=10_000)
    gated = world.play(Fixed(), 3, "gate", 1, budget=10_000)
    assert world.log.steps_by_role == {"serve": sum(e.length for e in served),
                                       "gate": sum(e.length for e in gated), "adapt": 0}
    assert world.steps == sum(e.length for e in world.log.episodes)
    assert [e.role for e in world.log.episodes] == ["serve"] * 2 + ["gate"] * 3


def test_play_stops_at_the_budget():
    world = World(CARTPOLE, seed=0)
    world.play(Fixed(), 1000, "serve", 0, budget=25)
    assert world.steps == 25


def test_episodes_record_the_dynamics_they_ran_in():
    world = World(CARTPOLE, seed=0)
    episodes = world.play(Fixed(), 6, "serve", 0, budget=10_000)
    lengths = [e.dynamics["length"] for e in episodes]
    assert lengths[0] == 0.5 and lengths[-1] == 2.0 and sorted(lengths) == lengths


def test_transitions_are_the_steps_taken_since():
    world = World(CARTPOLE, seed=0)
    world.play(Fixed(), 2, "serve", 0, budget=10_000)
    recent = world.log.transitions(since_step=world.steps - 5)
    assert len(recent) == 5 and np.all(recent.actions == 0)

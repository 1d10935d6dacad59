"""The world counts every step, whoever acts, and never runs past its budget."""

from __future__ import annotations

import numpy as np

from rl_evolve.evolve.world import World

CARTPOLE = {
    "name": "cartpole",
    "id": "CartPole-v1",
    "dynamics_spec": "rl_evolve.envs.cartpole:SPEC",
    "schedule": {
        "_target_": "rl_evolve.envs.schedules.Piecewise",
        "name": "p",
        "unit": "episodes",
        "switches": [{"at": 0, "values": {"length": 0.5}}, {"at": 3, "values": {"length": 2.0}}],
    },
}


class Fixed:
    """A policy that always pushes left."""

    def predict(self, obs, state=None, episode_start=None, deterministic=True):  # SB3's signature
        return np.zeros(len(obs), dtype=np.int64), None


def test_every_step_is_counted_under_the_role_that_took_it():
    world = World(CARTPOLE, seed=0)
    served = world.play(Fixed(), 2, "serve", 0, budget=10_000)
    gated = world.play(Fixed(), 3, "gate", 1, budget=10_000)
    assert world.log.steps_by_role == {
        "serve": sum(e.length for e in served),
        "gate": sum(e.length for e in gated),
        "adapt": 0,
        "learner": 0,
    }
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


class Random:
    """A policy that acts at random, from a stream of its own."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        return self.rng.integers(2, size=len(obs)), None


def first_observations(world: World) -> list[np.ndarray]:
    firsts: list[np.ndarray] = []
    starting = [True]

    def observe(obs, action, new_obs, rewards, dones, infos):
        if starting[0]:
            firsts.append(obs[0].copy())
        starting[0] = bool(dones[0])

    world.observers.append(observe)
    return firsts


def test_two_strategies_on_one_seed_meet_the_same_initial_states():
    """Common random numbers: episode k starts alike whoever plays, even after an agent built on
    the world reseeded it (SB3 does at construction)."""
    from stable_baselines3 import PPO

    plain, other = World(CARTPOLE, seed=3), World(CARTPOLE, seed=3)
    a, b = first_observations(plain), first_observations(other)
    plain.play(Fixed(), 6, "serve", 0, budget=10_000)
    PPO("MlpPolicy", other.vec_env, seed=123, n_steps=64)
    other.play(Random(1), 6, "serve", 0, budget=10_000)
    assert len(a) == len(b) == 6
    np.testing.assert_array_equal(np.stack(a), np.stack(b))
    assert not np.array_equal(a[0], a[1])
    another_seed = World(CARTPOLE, seed=4)
    c = first_observations(another_seed)
    another_seed.play(Fixed(), 1, "serve", 0, budget=10_000)
    assert not np.array_equal(a[0], c[0])


def test_a_paired_round_starts_its_second_episode_where_the_first_started():
    world = World(CARTPOLE, seed=3)
    firsts = first_observations(world)
    world.log.repeat_start = True  # set before the first episode ends, as a paired gate does
    world.play(Fixed(), 1, "gate", 0, budget=10_000)
    world.play(Fixed(), 2, "gate", 1, budget=10_000)
    np.testing.assert_array_equal(firsts[0], firsts[1])
    assert not np.array_equal(firsts[1], firsts[2]), "only the next episode repeats"


def test_exploration_takes_the_given_share_of_served_steps_only():
    world = World(CARTPOLE, seed=0, explore=0.25)
    served = world.play(Fixed(), 20, "serve", 0, budget=10_000)
    steps = sum(e.length for e in served)
    assert 0.15 < world.explored_steps / steps < 0.35
    before = world.explored_steps
    world.play(Fixed(), 3, "gate", 1, budget=10_000)
    assert world.explored_steps == before

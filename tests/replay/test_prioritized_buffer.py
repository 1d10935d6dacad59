"""Proportional PER: sampling frequencies, importance weights, new items, SB3 integration."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces
from scipy.stats import chisquare

from rl_evolve.replay.prioritized import PrioritizedReplayBuffer

OBS = spaces.Box(-10, 10, (2,), np.float32)
ACT = spaces.Discrete(2)


def filled(n: int, *, capacity: int = 64, n_envs: int = 1, **kwargs) -> PrioritizedReplayBuffer:
    buffer = PrioritizedReplayBuffer(capacity, OBS, ACT, "cpu", n_envs=n_envs, seed=0, **kwargs)
    for i in range(n):
        obs = np.full((n_envs, 2), i, dtype=np.float32)
        buffer.add(
            obs,
            obs + 1,
            np.zeros((n_envs, 1)),
            np.full(n_envs, float(i)),
            np.zeros(n_envs),
            [{} for _ in range(n_envs)],
        )
    return buffer


def frequencies(buffer: PrioritizedReplayBuffer, n_slots: int, draws: int = 40_000) -> np.ndarray:
    counts = np.zeros(n_slots)
    for _ in range(draws // 32):
        np.add.at(counts, buffer.sample(32).indices, 1)
    return counts


def test_sampling_frequencies_match_p_to_the_alpha():
    buffer = filled(6, alpha=0.6)
    td = np.array([0.1, 0.5, 1.0, 2.0, 4.0, 8.0])
    buffer.update_priorities(np.arange(6), td)
    expected = (td + buffer.eps) ** 0.6
    counts = frequencies(buffer, 6)
    assert chisquare(counts, expected / expected.sum() * counts.sum()).pvalue > 0.001


def test_alpha_zero_is_uniform():
    buffer = filled(6, alpha=0.0)
    buffer.update_priorities(np.arange(6), np.array([0.1, 0.5, 1.0, 2.0, 4.0, 8.0]))
    counts = frequencies(buffer, 6)
    assert chisquare(counts).pvalue > 0.001


def test_weights_follow_the_formula_normalised_over_the_whole_buffer():
    buffer = filled(4, alpha=1.0, beta0=0.5)
    buffer.update_priorities(np.arange(4), np.array([1.0, 2.0, 4.0, 8.0]) - buffer.eps)
    sample = buffer.sample(16)
    p = np.array([1.0, 2.0, 4.0, 8.0])
    n, probs = 4, p / p.sum()
    by_hand = (n * probs) ** -0.5 / ((n * probs.min()) ** -0.5)  # max weight: smallest priority
    # by_hand divides by the whole buffer's largest weight: normalising over the batch instead
    # would give 1.0 to the batch's own rarest item, and this comparison would fail.
    np.testing.assert_allclose(sample.weights.numpy().ravel(), by_hand[sample.indices], rtol=1e-5)


def test_new_transitions_enter_with_the_maximum_priority():
    buffer = filled(3, alpha=1.0)
    buffer.update_priorities(np.arange(3), np.array([0.5, 7.0, 2.0]))
    buffer.add(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 1)), np.zeros(1), np.zeros(1), [{}])
    assert buffer.tree.leaves[3] == pytest.approx(7.0 + buffer.eps)


def test_updated_priorities_change_what_is_sampled():
    buffer = filled(8, alpha=1.0)
    buffer.update_priorities(np.arange(8), np.full(8, 1e-3))
    buffer.update_priorities(np.array([5]), np.array([100.0]))
    counts = frequencies(buffer, 8, draws=3200)
    assert counts[5] > 0.9 * counts.sum()


def test_samples_hold_the_stored_transitions_of_the_sampled_slots_with_several_envs():
    buffer = filled(10, n_envs=3, capacity=30)
    sample = buffer.sample(32)
    positions, envs = np.divmod(sample.indices, 3)
    np.testing.assert_array_equal(sample.observations.numpy()[:, 0], positions)
    np.testing.assert_array_equal(sample.rewards.numpy().ravel(), positions)
    assert envs.max() <= 2


def test_timeouts_are_not_terminal_like_in_sb3():
    buffer = PrioritizedReplayBuffer(8, OBS, ACT, "cpu", seed=0)
    buffer.add(
        np.zeros((1, 2)),
        np.ones((1, 2)),
        np.zeros((1, 1)),
        np.ones(1),
        np.ones(1),
        [{"TimeLimit.truncated": True}],
    )
    assert buffer.sample(4).dones.sum().item() == 0

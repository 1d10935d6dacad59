"""The sum tree keeps its invariant and finds the leaf a cumulative sum falls in."""

from __future__ import annotations

import numpy as np
import pytest

from rl_evolve.replay.sum_tree import SumTree


@pytest.mark.parametrize("capacity", [1, 5, 32, 33, 1000, 40_000])
def test_invariant_holds_under_random_updates_with_repeated_indices(capacity):
    rng = np.random.default_rng(capacity)
    tree = SumTree(capacity, fan_out=8)
    for _ in range(50):
        indices = rng.integers(0, capacity, size=64)  # repeats on purpose
        tree.update(indices, rng.random(64) * 10 + 1e-3)
        tree.check_invariant()
    assert tree.total == pytest.approx(tree.leaves.sum())
    assert tree.min == pytest.approx(tree.leaves[tree.leaves > 0].min())


def test_repeated_index_takes_the_last_value_once():
    tree = SumTree(10, fan_out=4)
    tree.update(np.array([3, 3, 3]), np.array([1.0, 2.0, 5.0]))
    assert tree.total == pytest.approx(5.0) and tree.leaves[3] == 5.0


def test_find_returns_the_leaf_whose_interval_holds_the_target():
    tree = SumTree(6, fan_out=2)
    tree.update(np.arange(6), np.array([1.0, 0.0, 2.0, 3.0, 0.5, 0.5]))
    cumulative = np.cumsum(tree.leaves)
    targets = np.array([0.0, 0.99, 1.0, 2.5, 3.0, 5.9, 6.0, 6.4, 6.99])
    expected = np.searchsorted(cumulative, targets, side="right")
    np.testing.assert_array_equal(tree.find(targets), expected)


def test_zero_priority_leaves_are_never_sampled():
    tree = SumTree(100, fan_out=4)
    tree.update(np.arange(0, 100, 2), np.ones(50))
    leaves = tree.sample_stratified(10_000, np.random.default_rng(0))
    assert (leaves % 2 == 0).all()


def test_min_ignores_empty_slots_and_follows_updates_upward():
    tree = SumTree(100)
    tree.update(np.array([1, 2]), np.array([0.5, 2.0]))
    assert tree.min == 0.5
    tree.update(np.array([1]), np.array([3.0]))
    assert tree.min == 2.0


def test_an_index_outside_the_capacity_is_refused():
    tree = SumTree(10)
    with pytest.raises(IndexError, match="out of range"):
        tree.update(np.array([10]), np.array([1.0]))


def test_a_target_past_the_total_by_rounding_still_lands_on_a_nonzero_leaf():
    tree = SumTree(8, fan_out=2)
    tree.update(np.array([0, 5]), np.array([0.1, 0.2]))
    assert tree.find(np.array([tree.total * (1 + 1e-12)]))[0] == 5

"""A wide (K-ary) sum tree with a min tree beside it, vectorised over a batch.

A binary tree over a million leaves is 20 levels deep, and numpy pays its per-call overhead at
every level. With fan-out K = 32 the same tree is 4 levels deep: each level of a batched descent
is one gather of a (batch, K) block, one cumulative sum and one comparison, so the work per
sample grows with K * log_K(N) while the number of numpy calls falls with log_K(N).

Inner nodes are recomputed from their children (never incremented by deltas), so repeated
indices in one update and floating-point drift cannot break the invariant
``node == sum(children)``.
"""

from __future__ import annotations

import numpy as np

FAN_OUT = 32


class SumTree:
    """Priorities of ``capacity`` leaves; samples proportionally and knows the minimum."""

    def __init__(self, capacity: int, fan_out: int = FAN_OUT):
        if capacity < 1:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.fan_out = fan_out
        depth = max(1, int(np.ceil(np.log(capacity) / np.log(fan_out) - 1e-9)))
        # levels[0] is the root (one node); levels[-1] the leaves, padded to fan_out**depth.
        self.levels = [np.zeros(fan_out**d, dtype=np.float64) for d in range(depth + 1)]
        self.min_levels = [np.full(fan_out**d, np.inf) for d in range(depth + 1)]
        # (n_parents, fan_out) views: one row gather fetches all children of a node.
        self._blocks = [lvl.reshape(-1, fan_out) for lvl in self.levels[1:]]
        self._min_blocks = [lvl.reshape(-1, fan_out) for lvl in self.min_levels[1:]]

    @property
    def leaves(self) -> np.ndarray:
        return self.levels[-1][: self.capacity]

    @property
    def total(self) -> float:
        return float(self.levels[0][0])

    @property
    def min(self) -> float:
        """Smallest priority among leaves that hold one (``inf`` when empty)."""
        return float(self.min_levels[0][0])

    def update(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """Sets leaf priorities (> 0) and recomputes their ancestors."""
        indices = np.asarray(indices, dtype=np.int64)
        priorities = np.asarray(priorities, dtype=np.float64)
        self.levels[-1][indices] = priorities
        self.min_levels[-1][indices] = priorities
        nodes = indices // self.fan_out  # repeated nodes are recomputed to the same value
        for level in range(len(self.levels) - 2, -1, -1):
            self.levels[level][nodes] = self._blocks[level][nodes].sum(axis=1)
            self.min_levels[level][nodes] = self._min_blocks[level][nodes].min(axis=1)
            nodes //= self.fan_out

    def find(self, targets: np.ndarray) -> np.ndarray:
        """For each target in [0, total), the leaf whose cumulative-sum interval holds it."""
        targets = np.array(targets, dtype=np.float64)
        rows = np.arange(len(targets))
        nodes = np.zeros(len(targets), dtype=np.int64)
        last = self.fan_out - 1
        for blocks in self._blocks:
            children = blocks[nodes]
            before = np.cumsum(children, axis=1) - children  # sum of the siblings to the left
            chosen = np.minimum((before <= targets[:, None]).sum(axis=1) - 1, last)
            targets -= before[rows, chosen]
            nodes = nodes * self.fan_out + chosen
        return nodes

    def sample_stratified(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """One draw from each of ``batch_size`` equal slices of the total priority."""
        total = self.total
        if total <= 0:
            raise ValueError("cannot sample from an empty sum tree")
        segment = total / batch_size
        targets = (np.arange(batch_size) + rng.random(batch_size)) * segment
        leaves = self.find(np.minimum(targets, np.nextafter(total, 0)))
        empty = self.levels[-1][leaves] <= 0  # only through float rounding at a block's edge
        if empty.any():
            leaves[empty] = leaves[~empty][0] if (~empty).any() else self.find([0.0])[0]
        return leaves

    def check_invariant(self) -> None:
        """Asserts that every inner node equals the sum (and min) of its children."""
        for level in range(len(self.levels) - 1):
            children = self.levels[level + 1].reshape(-1, self.fan_out)
            np.testing.assert_allclose(self.levels[level], children.sum(axis=1), rtol=1e-9, atol=1e-12)
            mins = self.min_levels[level + 1].reshape(-1, self.fan_out).min(axis=1)
            np.testing.assert_array_equal(self.min_levels[level], mins)

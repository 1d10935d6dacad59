"""A wide (K-ary) sum tree of prefix sums, with a min tree beside it, vectorised over a batch.

A binary tree over a million leaves is 20 levels deep, and numpy pays its per-call overhead at
every level. With fan-out K = 32 the same tree is 4 levels deep. Each inner node stores, besides
its sum, the *exclusive prefix sums* of its K children, so a batched descent is per level one
row gather, one comparison and one take: no cumulative sum on the sampling path. An update
recomputes the prefix rows of the touched nodes with one small matrix product per level.

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
        # sums[d]: the value of every node at depth d (sums[0][0] is the total; sums[-1] leaves).
        self.sums = [np.zeros(fan_out**d) for d in range(depth + 1)]
        # The minimum is kept per block of fan_out leaves; the root's min is one np.min over
        # capacity / fan_out values, cheaper than keeping a whole min tree up to date.
        self.leaf_mins = np.full(fan_out ** (depth - 1), np.inf)
        # prefix[d][i, j]: sum of children 0..j-1 of node i at depth d.
        self.prefix = [np.zeros((fan_out**d, fan_out)) for d in range(depth)]
        # children @ _scan gives the exclusive prefix sums and, in the last column, the total.
        self._scan = np.triu(np.ones((fan_out, fan_out + 1)), k=1)
        self._children = [s.reshape(-1, fan_out) for s in self.sums[1:]]
        self._leaf_min_source = np.full(fan_out**depth, np.inf)
        self._leaf_blocks = self._leaf_min_source.reshape(-1, fan_out)

    @property
    def leaves(self) -> np.ndarray:
        return self.sums[-1][: self.capacity]

    @property
    def total(self) -> float:
        return float(self.sums[0][0])

    @property
    def min(self) -> float:
        """Smallest priority among leaves that hold one (``inf`` when empty)."""
        return float(self.leaf_mins.min())

    def update(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """Sets leaf priorities (> 0) and recomputes their ancestors."""
        indices = np.asarray(indices, dtype=np.int64)
        self.sums[-1][indices] = priorities
        self._leaf_min_source[indices] = priorities
        nodes = indices // self.fan_out  # a repeated node is recomputed to the same value
        self.leaf_mins[nodes] = self._leaf_blocks[nodes].min(axis=1)
        for depth in range(len(self.prefix) - 1, -1, -1):
            scanned = self._children[depth][nodes] @ self._scan
            self.prefix[depth][nodes] = scanned[:, :-1]
            self.sums[depth][nodes] = scanned[:, -1]
            nodes //= self.fan_out

    def find(self, targets: np.ndarray) -> np.ndarray:
        """For each target in [0, total), the leaf whose cumulative-sum interval holds it."""
        targets = np.array(targets, dtype=np.float64)
        rows = np.arange(len(targets))
        nodes = np.zeros(len(targets), dtype=np.int64)
        for prefix in self.prefix:
            before = prefix[nodes]
            chosen = (before <= targets[:, None]).sum(axis=1) - 1
            targets -= before[rows, chosen]
            nodes = nodes * self.fan_out + chosen
        return nodes

    def sample_stratified(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """One draw from each of ``batch_size`` equal slices of the total priority."""
        total = self.total
        if total <= 0:
            raise ValueError("cannot sample from an empty sum tree")
        targets = (np.arange(batch_size) + rng.random(batch_size)) * (total / batch_size)
        leaves = self.find(np.minimum(targets, np.nextafter(total, 0)))
        empty = self.sums[-1][leaves] <= 0  # only through float rounding at a block's edge
        if empty.any():
            leaves[empty] = leaves[~empty][0] if (~empty).any() else self.find([0.0])[0]
        return leaves

    def check_invariant(self) -> None:
        """Asserts that every inner node equals the sum (and min) of its children."""
        for depth, prefix in enumerate(self.prefix):
            children = self._children[depth]
            np.testing.assert_allclose(self.sums[depth], children.sum(axis=1), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(prefix, np.cumsum(children, axis=1) - children,
                                       rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(self.leaf_mins, self._leaf_blocks.min(axis=1))

"""A wide (K-ary) sum tree with a min tree beside it, its walks compiled with numba.

A binary tree over a million leaves is 20 levels deep and each level of a batched walk is a
cache miss per sample. With fan-out K = 32 the same tree is 4 levels deep, and the K children of
a node are contiguous, so a descent reads 4 short runs of memory. The walks (descent for
sampling, recomputation of ancestors after an update) are plain loops compiled by numba: numpy's
per-call overhead on every level, which a vectorised walk pays, is gone.

Every level lives in one flat array (the root first, the leaves last). Inner nodes are
recomputed from their children (never incremented by deltas), so repeated indices in one update
and floating-point drift cannot break the invariant ``node == sum(children)``.
"""

from __future__ import annotations

import numba
import numpy as np

FAN_OUT = 32


@numba.njit(cache=True, nogil=True)
def _update(
    sums: np.ndarray,
    mins: np.ndarray,
    offsets: np.ndarray,
    fan_out: int,
    indices: np.ndarray,
    priorities: np.ndarray,
    stamps: np.ndarray,
    call: int,
) -> None:
    depth = len(offsets) - 1
    leaves = offsets[depth]
    nodes = indices.copy()
    for i in range(len(indices)):
        sums[leaves + indices[i]] = priorities[i]
        mins[leaves + indices[i]] = priorities[i]
    # Level by level, each touched node once: the updated leaves share their upper ancestors.
    for level in range(depth - 1, -1, -1):
        for i in range(len(nodes)):
            nodes[i] //= fan_out
            position = offsets[level] + nodes[i]
            if stamps[position] == call:
                continue
            stamps[position] = call
            first = offsets[level + 1] + nodes[i] * fan_out
            total, smallest = 0.0, np.inf
            for child in range(first, first + fan_out):
                total += sums[child]
                smallest = min(smallest, mins[child])
            sums[position] = total
            mins[position] = smallest


@numba.njit(cache=True, nogil=True)
def _find(sums: np.ndarray, offsets: np.ndarray, fan_out: int, targets: np.ndarray) -> np.ndarray:
    depth = len(offsets) - 1
    out = np.empty(len(targets), dtype=np.int64)
    for i in range(len(targets)):
        target, node = targets[i], 0
        for level in range(depth):
            first = offsets[level + 1] + node * fan_out
            chosen, last_nonzero = -1, 0
            for j in range(fan_out):
                value = sums[first + j]
                if value > 0:
                    last_nonzero = j
                if target < value:
                    chosen = j
                    break
                target -= value
            if chosen < 0:  # float rounding put the target past the last child: take the last one
                chosen = last_nonzero
                target = sums[first + chosen]
            node = node * fan_out + chosen
        out[i] = node
    return out


class SumTree:
    """Priorities of ``capacity`` leaves; samples proportionally and knows the minimum."""

    def __init__(self, capacity: int, fan_out: int = FAN_OUT):
        if capacity < 1:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.fan_out = fan_out
        depth = max(1, int(np.ceil(np.log(capacity) / np.log(fan_out) - 1e-9)))
        sizes = [fan_out**d for d in range(depth + 1)]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)[:-1]
        self._sums = np.zeros(sum(sizes))
        self._mins = np.full(sum(sizes), np.inf)  # empty leaves never win the minimum
        # Inner node i was recomputed by update call number stamps[i] (once per call, not per leaf).
        self._stamps = np.zeros(self._offsets[-1], dtype=np.int64)
        self._calls = 0

    def _level(self, values: np.ndarray, depth: int) -> np.ndarray:
        return values[self._offsets[depth] : self._offsets[depth] + self.fan_out**depth]

    @property
    def depth(self) -> int:
        return len(self._offsets) - 1

    @property
    def leaves(self) -> np.ndarray:
        return self._sums[self._offsets[-1] :][: self.capacity]

    @property
    def total(self) -> float:
        return float(self._sums[0])

    @property
    def min(self) -> float:
        """Smallest priority among leaves that hold one (``inf`` when empty)."""
        return float(self._mins[0])

    def update(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """Sets leaf priorities (> 0) and recomputes their ancestors; the last value of a
        repeated index wins."""
        indices = np.asarray(indices, dtype=np.int64)
        if len(indices) and (indices.min() < 0 or indices.max() >= self.capacity):
            raise IndexError(f"leaf index out of range [0, {self.capacity})")
        self._calls += 1
        _update(
            self._sums,
            self._mins,
            self._offsets,
            self.fan_out,
            indices,
            np.asarray(priorities, dtype=np.float64).reshape(-1),
            self._stamps,
            self._calls,
        )

    def find(self, targets: np.ndarray) -> np.ndarray:
        """For each target in [0, total), the leaf whose cumulative-sum interval holds it."""
        return _find(self._sums, self._offsets, self.fan_out, np.asarray(targets, dtype=np.float64))

    def sample_stratified(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """One draw from each of ``batch_size`` equal slices of the total priority."""
        total = self.total
        if total <= 0:
            raise ValueError("cannot sample from an empty sum tree")
        targets = (np.arange(batch_size) + rng.random(batch_size)) * (total / batch_size)
        return self.find(np.minimum(targets, np.nextafter(total, 0)))

    def check_invariant(self) -> None:
        """Asserts that every inner node equals the sum (and min) of its children."""
        for depth in range(self.depth):
            children = self._level(self._sums, depth + 1).reshape(-1, self.fan_out)
            np.testing.assert_allclose(
                self._level(self._sums, depth), children.sum(axis=1), rtol=1e-9, atol=1e-12
            )
            np.testing.assert_array_equal(
                self._level(self._mins, depth),
                self._level(self._mins, depth + 1).reshape(-1, self.fan_out).min(axis=1),
            )

"""Proportional prioritized experience replay (Schaul et al. 2016) as an SB3 ``ReplayBuffer``.

Storage, timeouts, ``n_envs`` and saving stay SB3's; this subclass adds a sum tree over the
flat slot index ``pos * n_envs + env``, stratified sampling, importance weights normalised over
the whole buffer, and ``update_priorities``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.vec_env import VecNormalize

from rl_evolve.errors import ConfigError
from rl_evolve.replay.sum_tree import SumTree


class PrioritizedReplayBufferSamples(NamedTuple):
    """SB3's ``ReplayBufferSamples`` fields plus importance weights and the sampled slots."""

    observations: th.Tensor
    actions: th.Tensor
    next_observations: th.Tensor
    dones: th.Tensor
    rewards: th.Tensor
    discounts: th.Tensor | None
    weights: th.Tensor
    indices: np.ndarray


def check_per_parameters(alpha: float, beta0: float, eps: float) -> None:
    if alpha < 0:
        raise ConfigError(f"replay.alpha must be >= 0, got {alpha}")
    if not 0 <= beta0 <= 1:
        raise ConfigError(f"replay.beta0 must be in [0, 1], got {beta0}")
    if eps <= 0:
        raise ConfigError(f"replay.eps must be > 0, got {eps}")


class PrioritizedReplayBuffer(ReplayBuffer):
    """``P(i) = p_i^alpha / sum_k p_k^alpha`` with ``p_i = |TD error_i| + eps``.

    New transitions enter with the largest priority seen so far. ``sample`` draws one index from
    each of ``batch_size`` equal slices of the total priority and returns weights
    ``(N * P(i))^-beta / max_j (N * P(j))^-beta``, the maximum taken over the whole buffer
    (at its smallest priority). ``beta`` is set by the algorithm as training progresses.
    """

    def __init__(
        self,
        buffer_size: int,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        device: th.device | str = "auto",
        n_envs: int = 1,
        optimize_memory_usage: bool = False,
        handle_timeout_termination: bool = True,
        alpha: float = 0.6,
        beta0: float = 0.4,
        eps: float = 1e-6,
        seed: int | None = None,
    ):
        check_per_parameters(alpha, beta0, eps)
        super().__init__(
            buffer_size,
            observation_space,
            action_space,
            device,
            n_envs=n_envs,
            optimize_memory_usage=optimize_memory_usage,
            handle_timeout_termination=handle_timeout_termination,
        )
        self.alpha, self.beta0, self.beta, self.eps = alpha, beta0, beta0, eps
        self.tree = SumTree(self.buffer_size * self.n_envs)
        self.max_priority = 1.0  # of |TD error| + eps, before the exponent
        self.rng = np.random.default_rng(seed)

    def add(
        self,
        obs: np.ndarray,
        next_obs: np.ndarray,
        action: np.ndarray,
        reward: np.ndarray,
        done: np.ndarray,
        infos: list[dict[str, Any]],
    ) -> None:
        slots = self.pos * self.n_envs + np.arange(self.n_envs)
        super().add(obs, next_obs, action, reward, done, infos)
        self.tree.update(slots, np.full(self.n_envs, self.max_priority**self.alpha))

    def sample(self, batch_size: int, env: VecNormalize | None = None) -> PrioritizedReplayBufferSamples:
        slots = self.tree.sample_stratified(batch_size, self.rng)
        positions, env_indices = np.divmod(slots, self.n_envs)
        # (N P(i))^-beta / (N P_min)^-beta == (p_i^alpha / p_min^alpha)^-beta: N and the total
        # cancel, and the tree stores p^alpha.
        weights = ((self.tree.leaves[slots] / self.tree.min) ** -self.beta).astype(np.float32)
        data = self._samples_at(positions, env_indices, env)
        return PrioritizedReplayBufferSamples(
            *data, weights=self.to_torch(weights.reshape(-1, 1)), indices=slots
        )

    def anneal_beta(self, progress: float) -> None:
        """``beta`` linearly from ``beta0`` (progress 0) to 1 (progress 1)."""
        self.beta = self.beta0 + (1.0 - self.beta0) * min(max(progress, 0.0), 1.0)

    def update_priorities(self, indices: np.ndarray, td_errors: np.ndarray) -> None:
        """Sets ``p_i = |td_error_i| + eps`` for the sampled slots."""
        priorities = np.abs(np.asarray(td_errors, dtype=np.float64)).reshape(-1) + self.eps
        self.max_priority = max(self.max_priority, float(priorities.max()))
        self.tree.update(indices, priorities**self.alpha)

    def _samples_at(
        self, positions: np.ndarray, env_indices: np.ndarray, env: VecNormalize | None
    ) -> tuple[th.Tensor, ...]:
        """SB3's ``_get_samples`` for given env indices (SB3 draws them at random)."""
        if self.optimize_memory_usage:
            next_obs = self.observations[(positions + 1) % self.buffer_size, env_indices, :]
        else:
            next_obs = self.next_observations[positions, env_indices, :]
        data = (
            self._normalize_obs(self.observations[positions, env_indices, :], env),
            self.actions[positions, env_indices, :],
            self._normalize_obs(next_obs, env),
            (self.dones[positions, env_indices] * (1 - self.timeouts[positions, env_indices])).reshape(-1, 1),
            self._normalize_reward(self.rewards[positions, env_indices].reshape(-1, 1), env),
        )
        return (*map(self.to_torch, data), None)

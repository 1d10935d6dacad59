"""What every prioritized-replay variant's training step shares: annealing beta, setting the
sampled slots' priorities from their TD errors, and the ``per/*`` scalars."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch as th
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from rl_evolve.replay.prioritized import PrioritizedReplayBuffer


class Prioritized:
    """Mixed in before an off-policy algorithm: its replay buffer is a ``PrioritizedReplayBuffer``."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("replay_buffer_class", PrioritizedReplayBuffer)
        super().__init__(*args, **kwargs)


def start_step(model: OffPolicyAlgorithm) -> PrioritizedReplayBuffer:
    """The model's buffer, its beta annealed to the training progress."""
    buffer: PrioritizedReplayBuffer = model.replay_buffer  # type: ignore[assignment]
    buffer.anneal_beta(1.0 - model._current_progress_remaining)  # noqa: SLF001
    return buffer


def set_priorities(buffer: PrioritizedReplayBuffer, indices: np.ndarray, td_errors: th.Tensor) -> None:
    """Each sampled slot's priority from its TD error (the mean absolute one over critics)."""
    errors = td_errors.detach().reshape(len(indices), -1).abs().mean(dim=1)
    buffer.update_priorities(indices, errors.cpu().numpy())


def log_per(model: OffPolicyAlgorithm, buffer: PrioritizedReplayBuffer, weight_means: list[float]) -> None:
    model.logger.record("per/beta", buffer.beta)
    model.logger.record("per/priority_mean", buffer.tree.total / (buffer.size() * buffer.n_envs))
    model.logger.record("per/priority_max", buffer.max_priority**buffer.alpha)
    model.logger.record("per/weight_mean", float(np.mean(weight_means)))

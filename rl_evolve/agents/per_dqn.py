"""DQN with prioritized replay: only the training step differs from SB3's DQN.

Per-sample Huber loss weighted by the importance weights, priorities set to |TD error| + eps,
``beta`` annealed linearly from ``beta0`` to 1 over training, optional Double DQN targets
(van Hasselt et al. 2016; Schaul et al.'s best results combine the two).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch as th
import torch.nn.functional as F
from stable_baselines3 import DQN

from rl_evolve.agents.per_common import log_per, set_priorities, start_step
from rl_evolve.replay.prioritized import PrioritizedReplayBuffer


class PERDQN(DQN):
    """SB3 ``DQN`` whose replay buffer is a ``PrioritizedReplayBuffer``."""

    def __init__(self, *args: Any, double_q: bool = False, **kwargs: Any):
        kwargs.setdefault("replay_buffer_class", PrioritizedReplayBuffer)
        super().__init__(*args, **kwargs)
        self.double_q = double_q

    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        buffer = start_step(self)
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)

        losses, weight_means = [], []
        for _ in range(gradient_steps):
            data = buffer.sample(batch_size, env=self._vec_normalize_env)
            discounts = data.discounts if data.discounts is not None else self.gamma
            with th.no_grad():
                next_q = self.q_net_target(data.next_observations)
                if self.double_q:
                    best = self.q_net(data.next_observations).argmax(dim=1, keepdim=True)
                    next_q = th.gather(next_q, dim=1, index=best)
                else:
                    next_q = next_q.max(dim=1, keepdim=True).values
                target_q = data.rewards + (1 - data.dones) * discounts * next_q
            current_q = th.gather(self.q_net(data.observations), dim=1, index=data.actions.long())
            per_sample = F.smooth_l1_loss(current_q, target_q, reduction="none")
            loss = (data.weights * per_sample).mean()
            losses.append(loss.item())
            weight_means.append(data.weights.mean().item())

            self.policy.optimizer.zero_grad()
            loss.backward()
            th.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
            self.policy.optimizer.step()
            set_priorities(buffer, data.indices, current_q - target_q)

        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/loss", float(np.mean(losses)))
        log_per(self, buffer, weight_means)

"""QR-DQN with prioritized replay: only the training step differs from sb3-contrib's.

The quantile Huber loss is kept per sample (summed over quantiles, averaged over the target
quantiles), weighted by the importance weights; a sample's new priority is that loss + eps.
"""

from __future__ import annotations

import numpy as np
import torch as th
from sb3_contrib import QRDQN

from rl_evolve.agents.per_common import Prioritized, log_per, set_priorities, start_step


def per_sample_quantile_huber(current: th.Tensor, target: th.Tensor) -> th.Tensor:
    """sb3-contrib's ``quantile_huber_loss(..., sum_over_quantiles=True)`` before its batch mean:
    ``(batch,)``; its mean over the batch is that function's value."""
    n = current.shape[-1]
    cum_prob = ((th.arange(n, device=current.device, dtype=th.float) + 0.5) / n).view(1, -1, 1)
    delta = target.unsqueeze(-2) - current.unsqueeze(-1)
    huber = th.where(delta.abs() > 1, delta.abs() - 0.5, delta**2 * 0.5)
    return (th.abs(cum_prob - (delta.detach() < 0).float()) * huber).sum(dim=-2).mean(dim=-1)


class PERQRDQN(Prioritized, QRDQN):
    """sb3-contrib ``QRDQN`` whose replay buffer is a ``PrioritizedReplayBuffer``."""

    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        buffer = start_step(self)
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)
        losses, weight_means = [], []
        for _ in range(gradient_steps):
            data = buffer.sample(batch_size, env=self._vec_normalize_env)
            discounts = data.discounts if data.discounts is not None else self.gamma
            with th.no_grad():
                next_quantiles = self.quantile_net_target(data.next_observations)
                greedy = next_quantiles.mean(dim=1, keepdim=True).argmax(dim=2, keepdim=True)
                greedy = greedy.expand(batch_size, self.n_quantiles, 1)
                next_quantiles = next_quantiles.gather(dim=2, index=greedy)
                target = data.rewards + (1 - data.dones) * discounts * next_quantiles.squeeze(dim=2)
            actions = data.actions[..., None].long().expand(batch_size, self.n_quantiles, 1)
            current = th.gather(self.quantile_net(data.observations), dim=2, index=actions).squeeze(dim=2)
            per_sample = per_sample_quantile_huber(current, target)
            loss = (data.weights.reshape(-1) * per_sample).mean()
            self.policy.optimizer.zero_grad()
            loss.backward()
            if self.max_grad_norm is not None:
                th.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
            self.policy.optimizer.step()
            set_priorities(buffer, data.indices, per_sample)
            losses.append(loss.item())
            weight_means.append(data.weights.mean().item())
        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/loss", float(np.mean(losses)))
        log_per(self, buffer, weight_means)

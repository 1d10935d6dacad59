"""SAC and TD3 with prioritized replay: only the training step differs from SB3's.

Each critic's squared TD error is weighted per sample by the importance weights; a sample's new
priority is its absolute TD error against the target (the mean over the critics) + eps. The
actor's and the entropy coefficient's losses are SB3's, unweighted (Schaul et al. weight the
value loss only).
"""

from __future__ import annotations

import numpy as np
import torch as th
from stable_baselines3 import SAC, TD3
from stable_baselines3.common.utils import polyak_update

from rl_evolve.agents.per_common import Prioritized, log_per, set_priorities, start_step


def weighted_critic_loss(current: tuple[th.Tensor, ...], target: th.Tensor, weights: th.Tensor) -> th.Tensor:
    """SB3's ``sum(mse(q, target))`` with each sample's squared error weighted."""
    return sum((weights * (q - target) ** 2).mean() for q in current)  # type: ignore[return-value]


class PERSAC(Prioritized, SAC):
    """SB3 ``SAC`` whose replay buffer is a ``PrioritizedReplayBuffer``."""

    def train(self, gradient_steps: int, batch_size: int = 64) -> None:
        buffer = start_step(self)
        self.policy.set_training_mode(True)
        optimizers = [self.actor.optimizer, self.critic.optimizer]
        self._update_learning_rate(optimizers + [o for o in (self.ent_coef_optimizer,) if o is not None])
        critic_losses, actor_losses, weight_means = [], [], []
        for step in range(gradient_steps):
            data = buffer.sample(batch_size, env=self._vec_normalize_env)
            discounts = data.discounts if data.discounts is not None else self.gamma
            if self.use_sde:
                self.actor.reset_noise()
            actions_pi, log_prob = self.actor.action_log_prob(data.observations)
            log_prob = log_prob.reshape(-1, 1)
            if self.ent_coef_optimizer is not None and self.log_ent_coef is not None:
                ent_coef = th.exp(self.log_ent_coef.detach())
                ent_coef_loss = -(self.log_ent_coef * (log_prob + self.target_entropy).detach()).mean()
                self.ent_coef_optimizer.zero_grad()
                ent_coef_loss.backward()
                self.ent_coef_optimizer.step()
            else:
                ent_coef = self.ent_coef_tensor
            with th.no_grad():
                next_actions, next_log_prob = self.actor.action_log_prob(data.next_observations)
                next_q = th.cat(self.critic_target(data.next_observations, next_actions), dim=1)
                next_q = th.min(next_q, dim=1, keepdim=True).values - ent_coef * next_log_prob.reshape(-1, 1)
                target_q = data.rewards + (1 - data.dones) * discounts * next_q
            current_q = self.critic(data.observations, data.actions)
            critic_loss = 0.5 * weighted_critic_loss(current_q, target_q, data.weights)
            self.critic.optimizer.zero_grad()
            critic_loss.backward()
            self.critic.optimizer.step()
            set_priorities(buffer, data.indices, th.cat(current_q, dim=1) - target_q)
            q_pi = th.cat(self.critic(data.observations, actions_pi), dim=1)
            actor_loss = (ent_coef * log_prob - th.min(q_pi, dim=1, keepdim=True).values).mean()
            self.actor.optimizer.zero_grad()
            actor_loss.backward()
            self.actor.optimizer.step()
            if step % self.target_update_interval == 0:
                polyak_update(self.critic.parameters(), self.critic_target.parameters(), self.tau)
                polyak_update(self.batch_norm_stats, self.batch_norm_stats_target, 1.0)
            critic_losses.append(critic_loss.item())
            actor_losses.append(actor_loss.item())
            weight_means.append(data.weights.mean().item())
        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/critic_loss", float(np.mean(critic_losses)))
        self.logger.record("train/actor_loss", float(np.mean(actor_losses)))
        log_per(self, buffer, weight_means)


class PERTD3(Prioritized, TD3):
    """SB3 ``TD3`` whose replay buffer is a ``PrioritizedReplayBuffer``."""

    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        buffer = start_step(self)
        self.policy.set_training_mode(True)
        self._update_learning_rate([self.actor.optimizer, self.critic.optimizer])
        critic_losses, actor_losses, weight_means = [], [], []
        for _ in range(gradient_steps):
            self._n_updates += 1
            data = buffer.sample(batch_size, env=self._vec_normalize_env)
            discounts = data.discounts if data.discounts is not None else self.gamma
            with th.no_grad():
                noise = data.actions.clone().data.normal_(0, self.target_policy_noise)
                noise = noise.clamp(-self.target_noise_clip, self.target_noise_clip)
                next_actions = (self.actor_target(data.next_observations) + noise).clamp(-1, 1)
                next_q = th.cat(self.critic_target(data.next_observations, next_actions), dim=1)
                next_q = th.min(next_q, dim=1, keepdim=True).values
                target_q = data.rewards + (1 - data.dones) * discounts * next_q
            current_q = self.critic(data.observations, data.actions)
            critic_loss = weighted_critic_loss(current_q, target_q, data.weights)
            self.critic.optimizer.zero_grad()
            critic_loss.backward()
            self.critic.optimizer.step()
            set_priorities(buffer, data.indices, th.cat(current_q, dim=1) - target_q)
            if self._n_updates % self.policy_delay == 0:
                actor_loss = -self.critic.q1_forward(data.observations, self.actor(data.observations)).mean()
                self.actor.optimizer.zero_grad()
                actor_loss.backward()
                self.actor.optimizer.step()
                polyak_update(self.critic.parameters(), self.critic_target.parameters(), self.tau)
                polyak_update(self.actor.parameters(), self.actor_target.parameters(), self.tau)
                polyak_update(self.critic_batch_norm_stats, self.critic_batch_norm_stats_target, 1.0)
                polyak_update(self.actor_batch_norm_stats, self.actor_batch_norm_stats_target, 1.0)
                actor_losses.append(actor_loss.item())
            critic_losses.append(critic_loss.item())
            weight_means.append(data.weights.mean().item())
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        if actor_losses:
            self.logger.record("train/actor_loss", float(np.mean(actor_losses)))
        self.logger.record("train/critic_loss", float(np.mean(critic_losses)))
        log_per(self, buffer, weight_means)

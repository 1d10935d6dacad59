"""A shadow learner: one challenger that lives for the whole deployment and learns from every
transition the world sees, without acting in it.

It is an off-policy SB3 agent (dqn, qrdqn, sac, td3, tqc, ddpg, crossq) whose replay buffer is
fed the served (and gated) transitions, as SB3's own ``collect_rollouts`` would store them
(``_store_transition``: terminal observations, timeouts, scaled actions), and which takes SB3's
own ``train`` step on them; its weights, optimiser and replay persist from alarm to alarm, so its
learning accumulates with the world as continual fine-tuning's does, while only versions that
passed a gate serve. With an ``Imagination`` (``evolve.dyna_updates``) it also takes planning
steps on transitions a learned world model imagines for its own actions (Dyna). On-policy
algorithms (ppo, a2c, trpo, recurrent_ppo, ars) learn from their own actions only and are refused.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.type_aliases import TrainFrequencyUnit

from rl_evolve.errors import ConfigError
from rl_evolve.evolve.imagination import Imagination, newest

BUFFER_FIELDS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")


def check_can_shadow(model: BaseAlgorithm, algo: str) -> None:
    if not isinstance(model, OffPolicyAlgorithm):
        raise ConfigError(
            f"evolve.shadow=true needs an off-policy algorithm (dqn, qrdqn, sac, td3, tqc, "
            f"ddpg, crossq): algo={algo} learns only from its own actions, not served data"
        )


def own_update_ratio(model: OffPolicyAlgorithm) -> float:
    """Gradient steps per environment step in the algorithm's own table (``gradient_steps`` per
    ``train_freq`` steps; -1, or a frequency in episodes, as one per step)."""
    freq = model.train_freq
    if model.gradient_steps < 0 or freq.unit != TrainFrequencyUnit.STEP:  # type: ignore[union-attr]
        return 1.0
    return model.gradient_steps / max(freq.frequency, 1)  # type: ignore[union-attr]


def keep_last(buffer: ReplayBuffer, keep: int) -> None:
    """Forgets all but the newest ``keep`` transitions of a plain replay buffer (any other kind,
    e.g. prioritised, is emptied: its priorities would not follow)."""
    size = buffer.size()
    keep = min(keep, size)
    if type(buffer) is not ReplayBuffer or keep == 0:
        buffer.reset()
        return
    kept = newest(buffer, keep)
    for name in BUFFER_FIELDS:
        array = getattr(buffer, name, None)
        if array is not None:
            array[:keep] = array[kept].copy()
    buffer.pos, buffer.full = keep % buffer.buffer_size, keep == buffer.buffer_size


class Shadow:
    """``model`` learns from every transition ``observe`` is given; ``learn`` takes the gradient
    steps owed (``updates_per_step`` per transition) once the replay holds enough to sample, and
    those of its ``imagination``, if any."""

    def __init__(
        self,
        model: OffPolicyAlgorithm,
        updates_per_step: float | None = None,
        imagination: Imagination | None = None,
    ):
        self.model, self.imagination = model, imagination
        self.updates_per_step = own_update_ratio(model) if updates_per_step is None else updates_per_step
        self.start = max(int(model.batch_size), int(model.learning_starts))
        self.transitions, self.updates, self.flushes = 0, 0, 0
        self._owed = 0.0
        self._discrete = isinstance(model.action_space, spaces.Discrete)

    def observe(
        self,
        obs: np.ndarray,
        action: np.ndarray,
        new_obs: np.ndarray,
        rewards: np.ndarray,
        dones: np.ndarray,
        infos: list,
    ) -> None:
        """Stores one VecEnv transition as SB3's rollout collection would, and counts it."""
        model = self.model
        action = np.asarray(action)
        buffer_action = action if self._discrete else model.policy.scale_action(action)
        model._last_obs = obs  # type: ignore[assignment]
        model._store_transition(model.replay_buffer, buffer_action, new_obs, rewards, dones, infos)  # type: ignore[arg-type]
        model.num_timesteps += 1
        model._on_step()  # DQN/QR-DQN: the target network's update interval counts these steps
        self.transitions += 1
        if model.replay_buffer.size() >= self.start:  # type: ignore[union-attr]
            self._owed += self.updates_per_step
            if self.imagination is not None:
                self.imagination.observed()

    def learn(self) -> int:
        """Takes the owed gradient steps (SB3's ``train``) and the imagination's planning steps;
        returns how many in all."""
        if self.model.replay_buffer.size() < self.start:  # type: ignore[union-attr]
            return 0
        steps = int(self._owed)
        if steps:
            self._owed -= steps
            self.model.train(gradient_steps=steps, batch_size=self.model.batch_size)
            self.updates += steps
        if self.imagination is None:
            return steps
        if self.imagination.due():
            self.imagination.refresh(self.model)
        return steps + self.imagination.plan(self.model)

    def flush(self, keep: int) -> None:
        """The world changed: data from before it would teach the old world's values."""
        keep_last(self.model.replay_buffer, keep)  # type: ignore[arg-type]
        self._owed = 0.0
        if self.imagination is not None:
            self.imagination.forget()
        self.flushes += 1

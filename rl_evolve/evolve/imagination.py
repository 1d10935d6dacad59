"""Dyna for the shadow learner: gradient steps on transitions a learned model of the world
imagines, so the shadow also learns about its own actions without a world step.

Sutton's Dyna (1990) and MBPO's short branched rollouts (Janner et al., 2019): a model of
``(s, a) -> (s' - s, r, terminated)`` is fitted to the newest transitions of the shadow's replay
(which a surprise alarm flushes to the new world's), short rollouts start from real served states
and follow the shadow's own (exploring) policy through that model, and every so many world steps
the shadow takes ``updates_per_step`` extra SB3 ``train`` steps on batches drawn from them. The
model is trained by the backprop core's ``Trainer``, as the loop's dynamics models are.
"""

from __future__ import annotations

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from torch import nn
from torch.nn import functional as F
from torch.utils.data import TensorDataset

from rl_evolve.core.batches import tensor_batches
from rl_evolve.core.features import action_features
from rl_evolve.core.trainer import EarlyStopping, Trainer
from rl_evolve.evolve.monitor import DynamicsModel


class WorldModel(nn.Module):
    """``(s, a) -> (s' - s, r)`` (standardised), and a termination logit read from ``s'``: an
    episode's end is a property of where the step lands (a pole past its angle), so the end
    follows the action through the predicted next state. Trained on the real ``s'``."""

    def __init__(self, inputs: int, outputs: int, observation: int, hidden: int = 64):
        super().__init__()
        self.step = DynamicsModel(inputs, outputs, hidden)
        self.end = DynamicsModel(observation, 1, hidden)

    def forward(self, features: torch.Tensor, landed: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.step(features), self.end(landed)], 1)


class WorldModelLoss(nn.Module):
    """Squared error of the standardised change and reward, plus the termination's cross-entropy
    with its classes balanced (``end_weight`` on an end): ends are rare, and an end imagined
    where none is would teach every state that it is nearly terminal."""

    def __init__(self, end_weight: float = 1.0):
        super().__init__()
        self.register_buffer("end_weight", torch.tensor(end_weight))

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(output[:, :-1], target[:, :-1]) + F.binary_cross_entropy_with_logits(
            output[:, -1], target[:, -1], pos_weight=self.end_weight
        )


def newest(buffer: ReplayBuffer, count: int) -> np.ndarray:
    """Indices of the newest ``count`` transitions of a replay buffer (first env)."""
    count = min(count, buffer.size())
    return (np.arange(buffer.pos - count, buffer.pos)) % buffer.buffer_size


class Imagination:
    """Fits the world model every ``every`` observed transitions and refills ``buffer`` with
    ``starts`` branches of ``horizon`` imagined steps; ``plan`` takes the planning steps that
    the real transitions observed since it was fitted have earned."""

    def __init__(
        self,
        model: OffPolicyAlgorithm,
        updates_per_step: float,
        horizon: int = 1,
        starts: int = 1000,
        every: int = 2000,
        fit_on: int = 20_000,
        hidden: int = 64,
        epochs: int = 30,
        seed: int = 0,
    ):
        self.updates_per_step, self.horizon, self.starts = updates_per_step, horizon, starts
        self.every, self.fit_on, self.hidden, self.epochs, self.seed = every, fit_on, hidden, epochs, seed
        self.discrete = isinstance(model.action_space, spaces.Discrete)
        self.buffer = ReplayBuffer(
            starts * horizon,
            model.observation_space,
            model.action_space,
            device=model.device,
            handle_timeout_termination=False,
        )
        self.net: WorldModel | None = None
        self.fits, self.imagined, self.updates = 0, 0, 0
        self._since_fit = 0
        self._owed = 0.0
        self.rng = np.random.default_rng([seed, 3])

    def observed(self) -> None:
        """One more real transition: it earns planning steps once the model has been fitted."""
        self._since_fit += 1
        if self.net is not None:
            self._owed += self.updates_per_step

    def due(self) -> bool:
        return self._since_fit >= self.every

    def _rows(self, obs: np.ndarray, actions: np.ndarray) -> torch.Tensor:
        x = np.concatenate([obs.reshape(len(obs), -1), action_features(actions, self._space)], 1)
        return torch.from_numpy(((x - self._x_mean) / self._x_std).astype(np.float32))

    def _landed(self, next_obs: np.ndarray) -> torch.Tensor:
        flat = next_obs.reshape(len(next_obs), -1)
        return torch.from_numpy(((flat - self._s_mean) / self._s_std).astype(np.float32))

    def fit(self, model: OffPolicyAlgorithm) -> float:
        """Fits the world model on the shadow's newest ``fit_on`` transitions (a fifth held out
        to stop early); returns its held-out loss."""
        real: ReplayBuffer = model.replay_buffer  # type: ignore[assignment]
        idx = newest(real, self.fit_on)
        obs = real.observations[idx, 0].reshape(len(idx), -1).astype(np.float32)
        nxt = real.next_observations[idx, 0].reshape(len(idx), -1).astype(np.float32)
        actions = real.actions[idx, 0]
        terminated = real.dones[idx, 0] * (1 - real.timeouts[idx, 0])
        self._space = model.action_space
        x = np.concatenate([obs, action_features(actions, self._space)], 1)
        self._x_mean, self._x_std = x.mean(0), x.std(0) + 1e-6
        self._s_mean, self._s_std = nxt.mean(0), nxt.std(0) + 1e-6
        y = np.concatenate([nxt - obs, real.rewards[idx, 0, None]], 1)
        self._y_mean, self._y_std = y.mean(0), y.std(0) + 1e-6
        target = np.concatenate([(y - self._y_mean) / self._y_std, terminated[:, None]], 1).astype(np.float32)
        features, landed, targets = self._rows(obs, actions), self._landed(nxt), torch.from_numpy(target)
        order = np.random.default_rng([self.seed, 4, self.fits]).permutation(len(idx))
        held = order[: max(len(order) // 5, 1)]
        train = order[len(held) :]
        with torch.random.fork_rng(devices=[]):  # the learner's own torch stream is left as it was
            torch.manual_seed(self.seed + self.fits)
            self.net = WorldModel(features.shape[1], targets.shape[1] - 1, landed.shape[1], self.hidden)
        trainer = Trainer(
            self.net,
            torch.optim.Adam(self.net.parameters(), lr=1e-3),
            None,
            loss_fn=WorldModelLoss(float((1 - terminated).sum() / max(terminated.sum(), 1))),
            plugins=[EarlyStopping("loss", patience=5, mode="min")],
            progress=False,
        )
        generator = torch.Generator().manual_seed(self.seed + self.fits)
        history = trainer.fit(
            tensor_batches(
                TensorDataset(features[train], landed[train], targets[train]), 64, True, generator
            ),
            tensor_batches(TensorDataset(features[held], landed[held], targets[held]), 1024),
            self.epochs,
        )
        self.fits += 1
        self._since_fit = 0
        return float(min(h["val/loss"] for h in history))

    @torch.no_grad()
    def predict(self, obs: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The model's next observation, reward and termination for each (obs, action) row."""
        assert self.net is not None, "Imagination.fit must come first"
        self.net.eval()
        y = self.net.step(self._rows(obs, actions)).numpy() * self._y_std + self._y_mean
        next_obs = (obs.reshape(len(obs), -1) + y[:, :-1]).reshape(obs.shape).astype(np.float32)
        ended = self.end_probability(next_obs) > 0.5
        return next_obs, y[:, -1], ended

    @torch.no_grad()
    def end_probability(self, next_obs: np.ndarray) -> np.ndarray:
        """The balanced classifier's probability that a step landing in ``next_obs`` ends the
        episode (0.5 where an end and a step that goes on are as likely)."""
        assert self.net is not None, "Imagination.fit must come first"
        self.net.eval()
        return torch.sigmoid(self.net.end(self._landed(next_obs))).numpy()[:, 0]

    def _act(self, model: OffPolicyAlgorithm, obs: np.ndarray) -> np.ndarray:
        """The shadow's own behaviour, in the replay's action units: epsilon-greedy for DQN-like
        learners (their exploration rate, this object's stream), the stochastic actor otherwise
        (TD3/DDPG: their deterministic actor plus the algorithm's action noise, if any)."""
        if self.discrete:
            greedy, _ = model.policy.predict(obs, deterministic=True)
            rate = float(getattr(model, "exploration_rate", 0.0))
            explore = self.rng.random(len(obs)) < rate
            random = self.rng.integers(model.action_space.n, size=len(obs))  # type: ignore[attr-defined]
            return np.where(explore, random, greedy).astype(np.int64)
        action, _ = model.policy.predict(obs, deterministic=False)
        scaled = model.policy.scale_action(action)
        if model.action_noise is not None:  # one draw per branch
            noise = np.stack([model.action_noise() for _ in range(len(obs))]).reshape(scaled.shape)
            scaled = np.clip(scaled + noise, -1, 1)
        return scaled.astype(np.float32)

    def imagine(self, model: OffPolicyAlgorithm) -> int:
        """Refills the imagined buffer with rollouts from real states; returns how many steps."""
        real: ReplayBuffer = model.replay_buffer  # type: ignore[assignment]
        self.buffer.reset()
        picks = self.rng.choice(real.size(), size=self.starts, replace=real.size() < self.starts)
        obs = real.observations[newest(real, real.size())[picks], 0]
        for _ in range(self.horizon):
            actions = self._act(model, obs)
            next_obs, rewards, terminated = self.predict(obs, actions)
            for i in range(len(obs)):
                self.buffer.add(
                    obs[i : i + 1],
                    next_obs[i : i + 1],
                    np.asarray(actions[i : i + 1]),
                    rewards[i : i + 1],
                    terminated[i : i + 1],
                    [{}],
                )
            obs = next_obs[~terminated]
            if len(obs) == 0:
                break
        steps = self.buffer.size()
        self.imagined += steps
        return steps

    def refresh(self, model: OffPolicyAlgorithm) -> None:
        """Fits the model and imagines anew from the replay as it is now."""
        self.fit(model)
        self.imagine(model)

    def plan(self, model: OffPolicyAlgorithm) -> int:
        """Takes the planning steps owed, each an SB3 ``train`` step on an imagined batch."""
        steps = int(self._owed)
        if steps == 0 or self.buffer.size() == 0:
            return 0
        self._owed -= steps
        real = model.replay_buffer
        model.replay_buffer = self.buffer
        try:
            model.train(gradient_steps=steps, batch_size=model.batch_size)
        finally:
            model.replay_buffer = real
        self.updates += steps
        return steps

    def forget(self) -> None:
        """The world changed (a flush): the model and what it imagined are the old world's."""
        self.net, self._owed, self._since_fit = None, 0.0, 0
        self.buffer.reset()


def imagination_from(ev, model: OffPolicyAlgorithm, seed: int) -> Imagination | None:
    """The shadow's Dyna from the ``evolve`` settings (``dyna_updates`` 0: none)."""
    if not ev.dyna_updates:
        return None
    return Imagination(
        model,
        float(ev.dyna_updates),
        horizon=int(ev.dyna_horizon),
        starts=int(ev.dyna_starts),
        every=int(ev.dyna_every),
        fit_on=int(ev.shadow_buffer),
        hidden=int(ev.model_hidden),
        epochs=int(ev.model_epochs),
        seed=seed,
    )

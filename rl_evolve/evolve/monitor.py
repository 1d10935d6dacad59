"""Model surprise: a dynamics model of the deployed world, and how badly it predicts now.

A small network learns the change of the observation an action causes, ``s' - s = f(s, a)``,
from transitions of the policy in service, trained by the backprop core's ``Trainer``. Its error
on later transitions, in units of its own validation error, is the surprise: about 1 while the
physics stays as it was, and larger when it moves, whether or not the return has fallen yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.utils.data import TensorDataset

from rl_evolve.core.batches import tensor_batches
from rl_evolve.core.features import action_features
from rl_evolve.core.trainer import EarlyStopping, Trainer


@dataclass
class Transitions:
    """Observations, actions and next observations, one row per step."""

    obs: np.ndarray
    actions: np.ndarray
    next_obs: np.ndarray

    def __len__(self) -> int:
        return len(self.obs)


class DynamicsModel(nn.Module):
    def __init__(self, inputs: int, outputs: int, hidden: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(inputs, hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
            nn.Linear(hidden, outputs),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(features)


class SurpriseMonitor:
    """Fits a ``DynamicsModel`` to transitions; ``surprise`` scores new ones against it."""

    def __init__(
        self,
        action_space: gym.Space,
        hidden: int = 64,
        epochs: int = 50,
        batch_size: int = 64,
        lr: float = 1e-3,
        seed: int = 0,
    ):
        self.action_space, self.hidden, self.epochs = action_space, hidden, epochs
        self.batch_size, self.lr, self.seed = batch_size, lr, seed
        self.model: DynamicsModel | None = None
        self.baseline = 1.0  # the model's validation error: surprise 1 means "as expected"

    def _features(self, t: Transitions) -> tuple[torch.Tensor, torch.Tensor]:
        x = np.concatenate([np.asarray(t.obs, np.float32), action_features(t.actions, self.action_space)], 1)
        y = np.asarray(t.next_obs, np.float32) - np.asarray(t.obs, np.float32)
        return (
            torch.from_numpy((x - self._x_mean) / self._x_std),
            torch.from_numpy((y - self._y_mean) / self._y_std),
        )

    def fit(self, transitions: Transitions, held_out: float = 0.2) -> float:
        """Trains on ``transitions``, two shuffled ``held_out`` fractions kept aside: one stops the
        training early, the other (unseen by the training in any way) calibrates what later
        surprise and likelihood are measured against. Returns that calibration error."""
        rng = np.random.default_rng(self.seed)
        x = np.concatenate([transitions.obs, action_features(transitions.actions, self.action_space)], 1)
        y = transitions.next_obs - transitions.obs
        self._x_mean, self._x_std = x.mean(0), x.std(0) + 1e-6
        self._y_mean, self._y_std = y.mean(0), y.std(0) + 1e-6
        features, targets = self._features(transitions)
        order = rng.permutation(len(transitions))
        n_out = max(int(len(order) * held_out), 1)
        val, calibration, train = order[:n_out], order[n_out : 2 * n_out], order[2 * n_out :]
        with torch.random.fork_rng(devices=[]):  # the run's own stream is left where it was
            torch.manual_seed(self.seed)
            self.model = DynamicsModel(features.shape[1], targets.shape[1], self.hidden)
        trainer = Trainer(
            self.model,
            torch.optim.Adam(self.model.parameters(), lr=self.lr),
            None,
            loss_fn=nn.MSELoss(),
            plugins=[EarlyStopping("loss", patience=5, mode="min")],
            progress=False,
        )
        generator = torch.Generator().manual_seed(self.seed)
        trainer.fit(
            tensor_batches(TensorDataset(features[train], targets[train]), self.batch_size, True, generator),
            tensor_batches(TensorDataset(features[val], targets[val]), 1024),
            self.epochs,
        )
        held = Transitions(
            transitions.obs[calibration], transitions.actions[calibration], transitions.next_obs[calibration]
        )
        self._variance = np.maximum((self._residuals(held) ** 2).mean(0), 1e-12)
        self.baseline = max(self.error(held), 1e-8)
        return self.baseline

    @torch.no_grad()
    def _residuals(self, transitions: Transitions) -> np.ndarray:
        """Prediction minus truth of ``s' - s``, per step and dimension, in the observation's units."""
        if self.model is None:
            raise RuntimeError("SurpriseMonitor.fit must come first")
        self.model.eval()
        features, targets = self._features(transitions)
        return (self.model(features) - targets).numpy() * self._y_std

    def log_likelihood(self, transitions: Transitions) -> np.ndarray:
        """Each transition's log-density under the model (Gaussian residuals, each dimension's
        variance from the calibration split), in nats of the observation's own units: comparable
        across versions whose models were fitted on different data."""
        residuals = self._residuals(transitions)
        return -0.5 * ((residuals**2 / self._variance) + np.log(2 * np.pi * self._variance)).sum(1)

    @torch.no_grad()
    def error(self, transitions: Transitions) -> float:
        """Mean squared prediction error on ``transitions`` (in the fitted units)."""
        if self.model is None:
            raise RuntimeError("SurpriseMonitor.fit must come first")
        self.model.eval()
        features, targets = self._features(transitions)
        return float(((self.model(features) - targets) ** 2).mean())

    STATE = ("_x_mean", "_x_std", "_y_mean", "_y_std", "_variance", "baseline", "hidden")

    def save(self, path) -> None:
        """The fitted model and its scales (``torch.save``), so a version's reuse can be replayed."""
        if self.model is None:
            raise RuntimeError("SurpriseMonitor.fit must come first")
        torch.save({"model": self.model.state_dict(), **{k: getattr(self, k) for k in self.STATE}}, path)

    @classmethod
    def load(cls, path, action_space: gym.Space) -> SurpriseMonitor:
        state = torch.load(path, weights_only=False)
        monitor = cls(action_space, hidden=state["hidden"])
        for key in cls.STATE:
            setattr(monitor, key, state[key])
        weights = state["model"]
        first, last = weights["net.0.weight"], weights["net.4.weight"]
        monitor.model = DynamicsModel(first.shape[1], last.shape[0], state["hidden"])
        monitor.model.load_state_dict(weights)
        return monitor

    def surprise(self, transitions: Transitions) -> float:
        """``error / validation error``: about 1 in the world the model was fitted in."""
        return self.error(transitions) / self.baseline

"""``task=identify``: an identifier of the physics, trained on the backprop core's ``Trainer``.

    rl-evolve task=identify sysid.data=<collect run> 'sysid.test_data=[<collect run outside the range>]'

Episodes of ``sysid.data`` are split (``sysid.val_fraction`` held out, for early stopping and
the in-range figures); every step's window of (observation, previous action) rows is one
example whose target is its episode's parameters scaled to [0, 1] by the spec's bounds. Reported
per parameter, on the held-out episodes and on each ``sysid.test_data``: R² and the mean absolute
error, and that error as a fraction of the training range and of the spec's bounds (the range the
parameter may take at all). ``identifier.pt`` is what
``env.observe_estimated=<this run>`` loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import TensorDataset
from torch.utils.tensorboard import SummaryWriter

from rl_evolve.core.batches import tensor_batches
from rl_evolve.core.checkpoints import load_checkpoint, save_checkpoint
from rl_evolve.core.plugins import EpochScalars
from rl_evolve.core.trainer import Checkpointer, EarlyStopping, Trainer
from rl_evolve.envs.dynamics import load_spec
from rl_evolve.errors import ConfigError
from rl_evolve.runtime import show_progress_bar
from rl_evolve.sysid.data import Episodes, window_dataset
from rl_evolve.sysid.identifier import Identifier, Shape
from rl_evolve.tasks.base import Task


def r2_scores(truth: np.ndarray, estimate: np.ndarray) -> list[float]:
    """R² per column: 1 - residual / total sum of squares (NaN where the truth is constant)."""
    residual = ((truth - estimate) ** 2).sum(0)
    total = ((truth - truth.mean(0)) ** 2).sum(0)
    constant = 1e-9 * len(truth) * np.maximum(np.abs(truth).max(0), 1.0) ** 2  # float32's noise
    return [
        float(1 - r / t) if t > c else float("nan") for r, t, c in zip(residual, total, constant, strict=True)
    ]


def training_ranges(data: Episodes) -> list[tuple[float, float]]:
    return [(float(lo), float(hi)) for lo, hi in zip(data.params.min(0), data.params.max(0), strict=True)]


class Identify(Task):
    """Trains the identifier; its score is the mean R² on the held-out episodes."""

    name = "identify"

    def check(self) -> None:
        super().check()
        sysid = self.cfg.sysid
        if not sysid.data:
            raise ConfigError("task=identify needs sysid.data=<a task=collect run folder>")
        self.data = Episodes.load(Path(sysid.data))
        self.tests = {str(p): Episodes.load(Path(p)) for p in sysid.test_data}
        for path, test in self.tests.items():
            if test.names != self.data.names or test.rows[0].shape[1] != self.data.rows[0].shape[1]:
                raise ConfigError(
                    f"sysid.test_data '{path}' holds {test.names} on another env than "
                    f"sysid.data's {self.data.names}"
                )
        if sysid.window <= 0 or sysid.epochs <= 0:
            raise ConfigError("sysid.window and sysid.epochs must be positive")
        if not 0 < sysid.val_fraction < 1 or len(self.data.rows) < 2:
            raise ConfigError("sysid.val_fraction must be in (0, 1) and sysid.data hold two episodes or more")
        if not self.data.provenance.get("dynamics_spec"):
            raise ConfigError(f"sysid.data '{sysid.data}' does not say which env's parameters it holds")
        self.spec = load_spec(self.data.provenance["dynamics_spec"])

    def build(self) -> None:
        sysid, data = self.cfg.sysid, self.data
        order = np.random.default_rng(self.seeds.train).permutation(len(data.rows))
        n_val = max(1, int(round(sysid.val_fraction * len(order))))
        self.val_episodes, self.train_episodes = order[:n_val], order[n_val:]
        params = [self.spec.params[n] for n in data.names]
        self.shape = Shape(
            width=int(data.rows[0].shape[1]),
            window=int(sysid.window),
            names=tuple(data.names),
            low=tuple(p.low for p in params),
            high=tuple(p.high for p in params),
            kind=str(sysid.model),
            hidden=int(sysid.hidden),
        )
        self.model = Identifier(self.shape)
        inputs, targets = window_dataset(data, self.train_episodes, sysid.window)
        self.model.fit_standardisation(inputs)
        self.train_set = self._tensors(inputs, targets)
        self.val_set = self._tensors(*window_dataset(data, self.val_episodes, sysid.window))

    def _tensors(self, inputs: np.ndarray, targets: np.ndarray) -> TensorDataset:
        return TensorDataset(
            torch.from_numpy(inputs.astype(np.float32)), torch.from_numpy(self.model.scale(targets))
        )

    def identity(self) -> dict[str, Any]:
        return {
            "parameters": list(self.data.names),
            "data": str(self.cfg.sysid.data),
            "model": str(self.cfg.sysid.model),
            "window": int(self.cfg.sysid.window),
        }

    def hparams(self) -> dict[str, Any]:
        s = self.cfg.sysid
        return {
            "seed": self.cfg.seed,
            "sysid.model": str(s.model),
            "sysid.window": s.window,
            "sysid.hidden": s.hidden,
            "sysid.learning_rate": s.learning_rate,
        }

    def metric_tags(self) -> tuple[str, ...]:
        return ("val/loss",)

    def work(self) -> None:
        sysid = self.cfg.sysid
        writer = SummaryWriter(str(self.folder.tensorboard))
        optimizer = torch.optim.Adam(self.model.parameters(), lr=sysid.learning_rate)
        self.trainer = Trainer(
            self.model,
            optimizer,
            None,
            loss_fn=torch.nn.MSELoss(),
            plugins=[EarlyStopping("loss", sysid.patience, "min"), Checkpointer(self.folder.checkpoints)],
            progress=show_progress_bar(self.cfg.progress_bar),
        )
        self.trainer.add(EpochScalars(writer))
        try:
            self.trainer.fit(
                tensor_batches(self.train_set, sysid.batch_size, shuffle=True),
                tensor_batches(self.val_set, 4096),
                sysid.epochs,
            )
        finally:
            writer.close()
        self.model.load_state_dict(load_checkpoint(self.folder.checkpoints / "best.pt")["model"])
        self.model.eval()
        save_checkpoint(
            self.folder.root / "identifier.pt",
            self.model.state(data=str(sysid.data), training_ranges=training_ranges(self.data)),
        )

    def _scores(self, data: Episodes, episodes: np.ndarray) -> dict[str, Any]:
        inputs, truth = window_dataset(data, episodes, self.cfg.sysid.window)
        estimate = self.model.unscale(self.model.estimate(inputs))
        r2 = r2_scores(truth, estimate)
        spans = [hi - lo for lo, hi in training_ranges(self.data)]
        bounds = [self.spec.params[n].high - self.spec.params[n].low for n in data.names]
        errors = np.abs(truth - estimate).mean(0)
        return {
            name: {
                "r2": r2[i],
                "mae": float(errors[i]),
                "mae_of_training_range": float(errors[i] / spans[i]) if spans[i] > 0 else None,
                "mae_of_spec_range": float(errors[i] / bounds[i]),
                "range": [float(truth[:, i].min()), float(truth[:, i].max())],
            }
            for i, name in enumerate(data.names)
        }

    def results(self) -> dict[str, Any]:
        tests = {path: self._scores(test, np.arange(len(test.rows))) for path, test in self.tests.items()}
        self.figures = {"held_out": self._scores(self.data, self.val_episodes), **tests}
        (self.folder.root / "identification.json").write_text(json.dumps(self.figures, indent=2))
        return {
            "epochs": self.trainer.epoch,
            "identification": self.figures,
            "training_ranges": dict(zip(self.data.names, training_ranges(self.data), strict=True)),
        }

    def score(self) -> float | None:
        return float(np.mean([v["r2"] for v in self.figures["held_out"].values()]))

    def report(self) -> None:
        for where, params in self.figures.items():
            line = ", ".join(f"{n}: R2 {v['r2']:.3f}, error {v['mae']:.3g}" for n, v in params.items())
            print(f"{where}: {line}")

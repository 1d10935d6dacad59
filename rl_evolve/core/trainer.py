"""The Trainer: a short supervised loop with named hooks that extensions attach to.

Hooks, in the order they run: ``before_epoch``, then per batch ``before_forward``,
``after_forward``, ``before_backward``, ``after_backward``, ``before_update``, ``after_update``;
then, after validation, ``after_epoch`` (``metrics`` holds both splits). A hook is
``fn(trainer)``; the loop's state is on the trainer (``batch``, ``output``, ``loss``, ``epoch``,
``step``, ``metrics``), never in locals. A plugin (``rl_evolve.core.plugins``) is an object
whose methods are named after hooks, attached at once with ``trainer.add(plugin)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from rl_evolve.core.checkpoints import load_checkpoint, save_checkpoint
from rl_evolve.core.metrics import classification_metrics
from rl_evolve.errors import Diverged

HOOKS = (
    "before_epoch",
    "before_forward",
    "after_forward",
    "before_backward",
    "after_backward",
    "before_update",
    "after_update",
    "after_epoch",
)

Hook = Callable[["Trainer"], None]


@dataclass
class EarlyStopping:
    """Stops when ``metric`` (from validation) has not improved for ``patience`` epochs."""

    metric: str = "accuracy"
    patience: int = 5
    mode: str = "max"
    best: float = field(default=-np.inf)
    bad_epochs: int = 0

    def __post_init__(self) -> None:
        self.best = -np.inf if self.mode == "max" else np.inf

    def improved(self, value: float) -> bool:
        better = value > self.best if self.mode == "max" else value < self.best
        if better:
            self.best, self.bad_epochs = value, 0
        else:
            self.bad_epochs += 1
        return better

    @property
    def should_stop(self) -> bool:
        return self.bad_epochs >= self.patience


class Trainer:
    """Trains ``model`` on batches ``(inputs..., target)``; keeps best and last checkpoints.

    ``n_classes`` set: a classifier (predictions are the argmax, validation reports accuracy,
    precision, recall and F1); ``None``: a regression, whose validation metric is its loss."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        n_classes: int | None,
        *,
        loss_fn: nn.Module | None = None,
        scheduler: Any = None,
        grad_clip: float | None = None,
        early_stopping: EarlyStopping | None = None,
        checkpoint_dir: Path | None = None,
        extra_state: dict[str, Any] | None = None,
        progress: bool = True,
        device: torch.device | str | None = None,
    ):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        # Batches are moved to the model's device (or ``device``) before any hook sees them.
        self.device = torch.device(device) if device is not None else next(model.parameters()).device
        self.loss_fn = loss_fn or nn.CrossEntropyLoss()
        self.n_classes, self.grad_clip = n_classes, grad_clip
        self.early_stopping = early_stopping
        self.checkpoint_dir, self.extra_state = checkpoint_dir, extra_state or {}
        self.progress = progress
        self.hooks: dict[str, list[Hook]] = defaultdict(list)
        self.epoch, self.step = 0, 0
        self.batch: Any = None
        self.output: torch.Tensor | None = None
        self.loss: torch.Tensor | None = None
        self.metrics: dict[str, float] = {}
        self.history: list[dict[str, float]] = []

    def add_hook(self, name: str, fn: Hook) -> None:
        if name not in HOOKS:
            raise ValueError(f"unknown hook '{name}'; hooks: {', '.join(HOOKS)}")
        self.hooks[name].append(fn)

    def add(self, plugin: object) -> None:
        """Attaches every method of ``plugin`` named after a hook (``rl_evolve.core.plugins``)."""
        found = [name for name in HOOKS if callable(getattr(plugin, name, None))]
        if not found:
            raise ValueError(
                f"{type(plugin).__name__} has no method named after a hook; hooks: {', '.join(HOOKS)}"
            )
        for name in found:
            self.add_hook(name, getattr(plugin, name))

    def _call(self, name: str) -> None:
        for fn in self.hooks[name]:
            fn(self)

    def move(self, batch: Any) -> tuple[torch.Tensor, ...]:
        """``batch`` (a sequence of tensors) on the trainer's device."""
        return tuple(t.to(self.device, non_blocking=True) for t in batch)

    def train_epoch(self, loader: Iterable) -> float:
        self.model.train()
        total, count = 0.0, 0
        for batch in tqdm(loader, desc=f"epoch {self.epoch}", leave=False, disable=not self.progress):
            self.batch = self.move(batch)
            self._call("before_forward")  # may replace self.batch (augmentation)
            *inputs, target = self.batch
            self.output = self.model(*inputs)
            self._call("after_forward")
            self.loss = self.loss_fn(self.output, target)
            if not bool(torch.isfinite(self.loss)):
                raise Diverged(
                    f"training loss is {self.loss.item()} at epoch {self.epoch + 1}, step {self.step}"
                )
            self._call("before_backward")
            self.optimizer.zero_grad(set_to_none=True)
            self.loss.backward()
            self._call("after_backward")
            if self.grad_clip:
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
            self._call("before_update")
            self.optimizer.step()
            self._call("after_update")
            self.step += 1
            total += self.loss.item() * len(target)
            count += len(target)
        return total / max(count, 1)

    @torch.no_grad()
    def predict(self, loader: Iterable) -> tuple[np.ndarray, np.ndarray, float]:
        """Labels, predictions and mean loss over ``loader``."""
        self.model.eval()
        labels, preds, total, count = [], [], 0.0, 0
        for batch in loader:
            *inputs, target = self.move(batch)
            output = self.model(*inputs)
            total += float(self.loss_fn(output, target)) * len(target)
            count += len(target)
            labels.append(target.cpu().numpy())
            preds.append((output.argmax(dim=1) if self.n_classes else output).cpu().numpy())
        return np.concatenate(labels), np.concatenate(preds), total / max(count, 1)

    def evaluate(self, loader: Iterable) -> dict[str, float]:
        labels, preds, loss = self.predict(loader)
        if not self.n_classes:  # a regression: the loss is its metric
            return {"loss": loss}
        return {"loss": loss, **classification_metrics(labels, preds, self.n_classes)}

    def fit(self, train_loader: Iterable, val_loader: Iterable, epochs: int) -> list[dict[str, float]]:
        """Trains up to ``epochs`` (more after a resume), early-stopping on validation."""
        while self.epoch < epochs:
            self._call("before_epoch")
            train_loss = self.train_epoch(train_loader)
            if self.scheduler is not None:
                self.scheduler.step()
            val = self.evaluate(val_loader)
            self.metrics = {"train/loss": train_loss, **{f"val/{k}": v for k, v in val.items()}}
            self.epoch += 1
            self.history.append({"epoch": self.epoch, **self.metrics})
            self._call("after_epoch")
            improved = (
                self.early_stopping.improved(val[self.early_stopping.metric]) if self.early_stopping else True
            )
            self.save("last.pt")
            if improved:
                self.save("best.pt")
            if self.early_stopping and self.early_stopping.should_stop:
                break
        return self.history

    def state(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "epoch": self.epoch,
            "step": self.step,
            "history": self.history,
            "early_stopping": vars(self.early_stopping) if self.early_stopping else None,
            "torch_rng": torch.get_rng_state(),
            **self.extra_state,
        }

    def save(self, name: str) -> None:
        if self.checkpoint_dir is not None:
            save_checkpoint(self.checkpoint_dir / name, self.state())

    def resume(self, path: Path) -> None:
        """Continues from a checkpoint: weights, optimiser, schedule, epoch and RNG."""
        state = load_checkpoint(path)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler"):
            self.scheduler.load_state_dict(state["scheduler"])
        self.epoch, self.step, self.history = state["epoch"], state["step"], state["history"]
        if self.early_stopping and state.get("early_stopping"):
            vars(self.early_stopping).update(state["early_stopping"])
        torch.set_rng_state(state["torch_rng"])

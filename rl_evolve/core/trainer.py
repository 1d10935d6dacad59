"""The Trainer: a short supervised loop with named hooks that extensions attach to.

Hooks, in the order they run: ``before_epoch``, then per batch ``before_forward``,
``after_forward``, ``before_backward``, ``after_backward``, ``before_update``, ``after_update``;
then, after validation, ``after_epoch`` (``metrics`` holds both splits). A hook is
``fn(trainer)``; the loop's state is on the trainer (``batch``, ``output``, ``loss``, ``epoch``,
``step``, ``metrics``), never in locals. A plugin is an object whose methods are named after
hooks, attached at once with ``trainer.add(plugin)`` (or ``plugins=`` at construction, in order);
early stopping and the best/last checkpoints are two of them (``EarlyStopping``,
``Checkpointer``), others live in ``rl_evolve.core.plugins``. A plugin with a ``state_key`` has
its ``state_dict()`` saved in every checkpoint and restored by ``resume``.
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
    """A plugin: after each epoch, says whether validation's ``metric`` improved
    (``trainer.improved``, which the ``Checkpointer`` reads) and stops the fit when it has not for
    ``patience`` epochs."""

    metric: str = "accuracy"
    patience: int = 5
    mode: str = "max"
    best: float = field(default=-np.inf)
    bad_epochs: int = 0
    state_key = "early_stopping"

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

    def after_epoch(self, trainer: Trainer) -> None:
        trainer.improved = self.improved(trainer.metrics[f"val/{self.metric}"])
        trainer.stop = trainer.stop or self.should_stop

    def state_dict(self) -> dict[str, Any]:
        return vars(self).copy()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        vars(self).update(state)


class Checkpointer:
    """A plugin: after each epoch, the trainer's state to ``folder/last.pt``, and to
    ``folder/best.pt`` when the epoch improved (every epoch, without an ``EarlyStopping`` attached
    before it)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def after_epoch(self, trainer: Trainer) -> None:
        state = trainer.state()
        save_checkpoint(self.folder / "last.pt", state)
        if trainer.improved:
            save_checkpoint(self.folder / "best.pt", state)


class Trainer:
    """Trains ``model`` on batches ``(inputs..., target)``; ``plugins`` (``EarlyStopping``,
    ``Checkpointer``, ...) are attached in order.

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
        plugins: Iterable[object] = (),
        extra_state: dict[str, Any] | None = None,
        progress: bool = True,
        device: torch.device | str | None = None,
    ):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        # Batches are moved to the model's device (or ``device``) before any hook sees them.
        self.device = torch.device(device) if device is not None else next(model.parameters()).device
        self.loss_fn = loss_fn or nn.CrossEntropyLoss()
        self.n_classes, self.grad_clip = n_classes, grad_clip
        self.extra_state = extra_state or {}
        self.progress = progress
        self.hooks: dict[str, list[Hook]] = defaultdict(list)
        self.stateful: list[Any] = []  # plugins whose state a checkpoint keeps
        self.epoch, self.step = 0, 0
        self.batch: Any = None
        self.output: torch.Tensor | None = None
        self.loss: torch.Tensor | None = None
        self.metrics: dict[str, float] = {}
        self.history: list[dict[str, float]] = []
        self.improved, self.stop = True, False  # this epoch's verdicts, set by plugins after it
        for plugin in plugins:
            self.add(plugin)

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
        if getattr(plugin, "state_key", None):
            self.stateful.append(plugin)

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
        """Trains up to ``epochs`` (more after a resume), or until a plugin sets ``stop``."""
        self.stop = False
        while self.epoch < epochs and not self.stop:
            self._call("before_epoch")
            train_loss = self.train_epoch(train_loader)
            if self.scheduler is not None:
                self.scheduler.step()
            val = self.evaluate(val_loader)
            self.metrics = {"train/loss": train_loss, **{f"val/{k}": v for k, v in val.items()}}
            self.epoch += 1
            self.history.append({"epoch": self.epoch, **self.metrics})
            self.improved = True
            self._call("after_epoch")
        return self.history

    def state(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "epoch": self.epoch,
            "step": self.step,
            "history": self.history,
            **{plugin.state_key: plugin.state_dict() for plugin in self.stateful},
            "torch_rng": torch.get_rng_state(),
            **self.extra_state,
        }

    def resume(self, path: Path) -> None:
        """Continues from a checkpoint: weights, optimiser, schedule, epoch and RNG."""
        state = load_checkpoint(path)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler"):
            self.scheduler.load_state_dict(state["scheduler"])
        self.epoch, self.step, self.history = state["epoch"], state["step"], state["history"]
        for plugin in self.stateful:
            if state.get(plugin.state_key):
                plugin.load_state_dict(state[plugin.state_key])
        torch.set_rng_state(state["torch_rng"])

"""Trainer plugins: objects whose methods are named after the Trainer's hooks, attached with
``trainer.add(plugin)``; their state lives on them, not in a task's closures. Plugins of one
kind of data live with it (``rl_evolve.supervised.models.RandomShift``)."""

from __future__ import annotations

from typing import Any

from rl_evolve.core.trainer import Trainer


class EpochScalars:
    """After each epoch, every metric of both splits to TensorBoard as ``<prefix><split>/<metric>``
    on the epoch axis."""

    def __init__(self, writer: Any, prefix: str = ""):
        self.writer, self.prefix = writer, prefix

    def after_epoch(self, trainer: Trainer) -> None:
        for key, value in trainer.metrics.items():
            self.writer.add_scalar(f"{self.prefix}{key}", value, trainer.epoch)

"""Every run's row in TensorBoard's HParams table, written through SB3's own TensorBoard format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stable_baselines3.common.logger import HParam, TensorBoardOutputFormat


class HParamsWriter:
    """``start`` logs the hyperparameters and names the metric tags the table shows; ``score``
    logs the run's final score under ``final/score``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._out: TensorBoardOutputFormat | None = None

    def _write(self, values: dict[str, Any], step: int = 0) -> None:
        if self._out is None:
            self._out = TensorBoardOutputFormat(str(self.folder))
        self._out.write(values, {k: None for k in values}, step)

    def start(self, hparams: dict[str, Any], metric_tags: tuple[str, ...]) -> None:
        plain = {k: v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in hparams.items()}
        self._write({"hparams": HParam(plain, {tag: 0.0 for tag in metric_tags})})

    def score(self, value: float | None) -> None:
        if value is not None:
            self._write({"final/score": float(value)})

    def close(self) -> None:
        if self._out is not None:
            self._out.close()

"""The identifier: a window of (observation, previous action) rows -> the physical parameters,
each scaled to [0, 1] by its spec's bounds (the scale ``env.observe`` appends true values on)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from rl_evolve.core.checkpoints import load_checkpoint
from rl_evolve.errors import ConfigError


@dataclass(frozen=True)
class Shape:
    """What an identifier reads and predicts; saved with its weights."""

    width: int  # observation + encoded action
    window: int
    names: tuple[str, ...]
    low: tuple[float, ...]  # the spec's bounds of each parameter
    high: tuple[float, ...]
    kind: str = "lstm"  # lstm | mlp
    hidden: int = 64


class Identifier(nn.Module):
    """An LSTM read to the window's last row, or an MLP over the flattened window, on inputs
    standardised by the training set's statistics (kept as buffers)."""

    def __init__(self, shape: Shape):
        super().__init__()
        self.shape = shape
        self.register_buffer("mean", torch.zeros(shape.width))
        self.register_buffer("std", torch.ones(shape.width))
        n = len(shape.names)
        if shape.kind == "lstm":
            self.lstm = nn.LSTM(shape.width, shape.hidden, batch_first=True)
            self.head = nn.Linear(shape.hidden, n)
        elif shape.kind == "mlp":
            h = shape.hidden
            self.mlp = nn.Sequential(
                nn.Flatten(),
                nn.Linear(shape.width * shape.window, h),
                nn.ReLU(),
                nn.Linear(h, h),
                nn.ReLU(),
                nn.Linear(h, n),
            )
        else:
            raise ConfigError(f"sysid.model must be lstm or mlp, got '{shape.kind}'")

    def fit_standardisation(self, inputs: np.ndarray) -> None:
        flat = inputs.reshape(-1, inputs.shape[-1])
        self.mean.copy_(torch.from_numpy(flat.mean(0)))
        self.std.copy_(torch.from_numpy(np.maximum(flat.std(0), 1e-6)))

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        x = (windows - self.mean) / self.std
        if self.shape.kind == "lstm":
            out, _ = self.lstm(x)
            return self.head(out[:, -1])
        return self.mlp(x)

    def scale(self, values: np.ndarray) -> np.ndarray:
        """Parameter values -> [0, 1] by the spec's bounds."""
        low, high = np.array(self.shape.low), np.array(self.shape.high)
        return ((values - low) / (high - low)).astype(np.float32)

    def unscale(self, scaled: np.ndarray) -> np.ndarray:
        low, high = np.array(self.shape.low), np.array(self.shape.high)
        return low + scaled * (high - low)

    @torch.no_grad()
    def estimate(self, windows: np.ndarray) -> np.ndarray:
        """Scaled estimates for a batch of windows (B, W, width), clipped to [0, 1] (the module in
        eval mode: ``load_identifier`` returns it so, the Trainer leaves it so)."""
        return self(torch.as_tensor(windows, dtype=torch.float32)).clamp(0, 1).numpy()

    def state(self, **extra: Any) -> dict[str, Any]:
        return {"model": self.state_dict(), "shape": asdict(self.shape), **extra}


def identifier_file(source: str | Path) -> Path:
    """A ``task=identify`` run folder's identifier, or the file itself."""
    path = Path(source)
    return path / "identifier.pt" if path.is_dir() else path


def load_identifier(source: str | Path) -> Identifier:
    """The identifier a ``task=identify`` run saved (one-line errors for a missing or corrupt one)."""
    state = load_checkpoint(identifier_file(source))
    if "shape" not in state:
        raise ConfigError(f"'{source}' is not an identifier (task=identify writes identifier.pt)")
    shape = state["shape"]
    model = Identifier(
        Shape(
            **{
                **shape,
                "names": tuple(shape["names"]),
                "low": tuple(shape["low"]),
                "high": tuple(shape["high"]),
            }
        )
    )
    model.load_state_dict(state["model"])
    return model.eval()

"""Saving and loading training state, with one-line errors for missing or corrupt files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from rl_evolve.errors import ConfigError


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Atomic: written to a temporary name, then renamed, so a crash leaves the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint's tensors and plain values, read with torch's ``weights_only`` loader: a
    checkpoint from elsewhere (``model.source``) cannot run code when it is loaded."""
    if not path.is_file():
        raise ConfigError(f"checkpoint '{path}' does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors alike
        raise ConfigError(f"checkpoint '{path}' is corrupt: {exc}") from exc
    if not isinstance(state, dict) or "model" not in state:
        raise ConfigError(f"checkpoint '{path}' is not an rl_evolve checkpoint")
    return state

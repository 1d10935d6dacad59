"""Optimisers and learning-rate schedules built from config with ``_target_`` / ``_partial_``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from hydra.utils import instantiate

from rl_evolve.errors import ConfigError


def build_optimizer(spec: Any, params: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """``spec`` is e.g. ``{_target_: torch.optim.Adam, _partial_: true, lr: 1e-3}``."""
    try:
        factory = instantiate(spec)
    except Exception as exc:  # hydra wraps import and argument errors alike
        raise ConfigError(f"optimizer {dict(spec)}: {exc.__cause__ or exc}") from exc
    optimizer = factory(params)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ConfigError(f"optimizer._target_ {spec['_target_']} is not a torch optimizer")
    return optimizer


def build_scheduler(spec: Any, optimizer: torch.optim.Optimizer) -> Any:
    """A ``torch.optim.lr_scheduler`` from ``spec`` (``_partial_``), or None when spec is empty."""
    if not spec:
        return None
    try:
        return instantiate(spec)(optimizer)
    except Exception as exc:
        raise ConfigError(f"scheduler {dict(spec)}: {exc.__cause__ or exc}") from exc

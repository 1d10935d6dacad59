"""Which physical parameter values a source run trained on: its fixed dynamics, the values its
schedule names (``Schedule.mentioned``: piecewise switches, a drift's ends, a sine's swing, a
random range) and its curriculum's stages, so a generalisation map can mark them."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

from rl_evolve.envs.schedules import build_schedule


def trained_ranges(run_cfg: DictConfig | None, defaults: dict[str, float]) -> dict[str, tuple[float, float]]:
    """``{parameter: (lowest, highest)}`` seen in training; a run's config unknown (a bare .zip):
    the env's defaults, the dynamics every SB3 zoo model trains on."""
    if run_cfg is None:
        return {name: (value, value) for name, value in defaults.items()}
    cfg: dict[str, Any] = OmegaConf.to_container(run_cfg, resolve=True)  # type: ignore[assignment]
    fixed = (cfg.get("env") or {}).get("dynamics") or {}
    named = build_schedule(cfg.get("dynamics")).mentioned()
    stages = ((cfg.get("curriculum") or {}).get("stages")) or []
    out = {}
    for name, default in defaults.items():
        base = float(fixed[name]) if fixed.get(name) is not None else default
        if stages:  # each stage trains on its own values, the env's elsewhere
            seen = [float((s.get("dynamics") or {}).get(name, base)) for s in stages]
        else:
            seen = [base, *(float(values[name]) for values in named if name in values)]
        out[name] = (min(seen), max(seen))
    return out

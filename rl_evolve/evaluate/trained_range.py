"""Which physical parameter values a source run trained on: its fixed dynamics, its schedule's
values (piecewise switches, a drift's ends, a sine's swing, a random range) and its curriculum's
stages, so a generalisation map can mark them."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf


def _schedule_values(schedule: dict[str, Any], name: str) -> list[float]:
    kind = schedule.get("name", "constant")
    values: list[float] = []
    for switch in schedule.get("switches") or []:
        if name in (switch.get("values") or {}):
            values.append(float(switch["values"][name]))
    for end in ("start", "end"):
        if name in (schedule.get(end) or {}):
            values.append(float(schedule[end][name]))
    if name in (schedule.get("center") or {}):
        center, swing = float(schedule["center"][name]), float((schedule.get("amplitude") or {}).get(name, 0))
        values += [center - swing, center + swing]
    if name in (schedule.get("ranges") or {}):
        values += [float(v) for v in schedule["ranges"][name]]
    return values if kind != "constant" else []


def trained_ranges(run_cfg: DictConfig | None, defaults: dict[str, float]) -> dict[str, tuple[float, float]]:
    """``{parameter: (lowest, highest)}`` seen in training; a run's config unknown (a bare .zip):
    the env's defaults, the dynamics every SB3 zoo model trains on."""
    if run_cfg is None:
        return {name: (value, value) for name, value in defaults.items()}
    cfg: dict[str, Any] = OmegaConf.to_container(run_cfg, resolve=False)  # type: ignore[assignment]
    fixed = (cfg.get("env") or {}).get("dynamics") or {}
    schedule = cfg.get("dynamics") or {}
    stages = ((cfg.get("curriculum") or {}).get("stages")) or []
    out = {}
    for name, default in defaults.items():
        base = float(fixed[name]) if fixed.get(name) is not None else default
        if stages:  # each stage trains on its own values, the env's elsewhere
            seen = [float((s.get("dynamics") or {}).get(name, base)) for s in stages]
        else:
            seen = [base, *_schedule_values(schedule, name)]
        out[name] = (min(seen), max(seen))
    return out

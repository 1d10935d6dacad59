"""Re-composing a run's config from its folder: for ``resume=<run>`` and for a ``source=<run>``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from rl_evolve.errors import ConfigError
from rl_evolve.tracking.run_folder import RunFolder

# What may change when a run continues; anything else would make it a different run.
RESUME_OVERRIDABLE = {"total_timesteps", "device", "progress_bar", "resume"}


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def recompose(folder: Path, extra: Sequence[str] = (), what: str = "source") -> DictConfig | None:
    """The config a run folder was started with, re-composed from its overrides on today's config
    tree (so a run saved by an older version still loads), with ``extra`` overrides replacing its
    own for the same keys; None for a path that is not a run folder (a bare ``.zip``)."""
    overrides = RunFolder(folder).overrides
    if not overrides.is_file():
        return None
    changed = {_key(o) for o in extra} | {"resume"}
    original = [
        str(o)
        for o in OmegaConf.load(overrides)
        if not str(o).startswith("hydra") and _key(str(o)) not in changed
    ]
    try:
        return compose(config_name="config", overrides=[*original, *extra])
    except Exception as exc:  # a key renamed since the run was made
        raise ConfigError(
            f"{what} '{folder}': its config cannot be re-composed: {str(exc).splitlines()[0]}"
        ) from exc


def resume_config(cfg: DictConfig) -> tuple[DictConfig, RunFolder]:
    """For ``resume=<run>``: the run's own config (plus the overrides a continuation may change)
    and its folder."""
    folder = RunFolder(Path(cfg.resume))
    now = [o for o in HydraConfig.get().overrides.task if not o.startswith("hydra")]
    refused = sorted({_key(o) for o in now} - RESUME_OVERRIDABLE)
    if refused:
        raise ConfigError(
            f"resume continues a run with its own config; cannot change {', '.join(refused)} "
            f"(allowed: {', '.join(sorted(RESUME_OVERRIDABLE - {'resume'}))})"
        )
    composed = recompose(folder.root, [o for o in now if _key(o) != "resume"], "resume")
    if composed is None:
        raise ConfigError(f"resume='{cfg.resume}' is not a run folder (no .hydra/overrides.yaml)")
    return OmegaConf.merge(composed, {"resume": str(folder.root)}), folder  # type: ignore[return-value]


def continued(cfg: DictConfig, checkpoint: str, steps: bool) -> tuple[DictConfig, RunFolder]:
    """``resume_config``, refused when the run has no ``checkpoints/<checkpoint>`` or has nothing
    left to do (``steps``: a run that completed may still train up to a larger budget)."""
    cfg, folder = resume_config(cfg)
    if not (folder.checkpoints / checkpoint).is_file():
        raise ConfigError(f"resume='{cfg.resume}' has no checkpoints/{checkpoint} to continue from")
    done = folder.read_summary()
    if done.get("status") != "completed":
        return cfg, folder
    if not steps:
        raise ConfigError(f"resume='{cfg.resume}' completed; nothing to continue")
    if done.get("timesteps", 0) >= cfg.total_timesteps:
        raise ConfigError(
            f"resume='{cfg.resume}' completed its {done['timesteps']} steps; nothing "
            f"to continue (total_timesteps=<more> trains it further)"
        )
    return cfg, folder

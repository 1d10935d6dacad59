"""``rl-evolve resume=<run folder>``: the interrupted run's own config, re-composed."""

from __future__ import annotations

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


def resume_config(cfg: DictConfig) -> tuple[DictConfig, RunFolder]:
    """The config the run was started with (plus allowed overrides) and its folder."""
    folder = RunFolder(Path(cfg.resume))
    overrides_file = folder.overrides
    if not overrides_file.is_file():
        raise ConfigError(f"resume='{cfg.resume}' is not a run folder (no .hydra/overrides.yaml)")
    now = [o for o in HydraConfig.get().overrides.task if not o.startswith("hydra")]
    refused = sorted({_key(o) for o in now} - RESUME_OVERRIDABLE)
    if refused:
        raise ConfigError(
            f"resume continues a run with its own config; cannot change {', '.join(refused)} "
            f"(allowed: {', '.join(sorted(RESUME_OVERRIDABLE - {'resume'}))})"
        )
    extra = [o for o in now if _key(o) != "resume"]
    changed = {_key(o) for o in extra} | {"resume"}
    original = [o for o in OmegaConf.load(overrides_file) if _key(o) not in changed]
    composed = compose(config_name="config", overrides=[*original, *extra])
    with_resume = OmegaConf.merge(composed, {"resume": str(folder.root)})
    return with_resume, folder  # type: ignore[return-value]

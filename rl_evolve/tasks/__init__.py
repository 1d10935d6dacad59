"""The tasks ``rl-evolve`` runs. ``conf/task/<name>.yaml`` names its ``Task`` subclass in
``task_class``; ``run_task`` builds it from there: adding a task is one module and one YAML."""

from __future__ import annotations

from pathlib import Path

from hydra.utils import get_class
from omegaconf import DictConfig

from rl_evolve.errors import ConfigError


def task_class(cfg: DictConfig) -> type:
    """The ``Task`` subclass ``cfg.task_class`` names, as its ``variant`` for this config picks."""
    from rl_evolve.tasks.base import Task

    if not cfg.get("task_class"):
        raise ConfigError(f"conf/task/{cfg.task}.yaml names no task_class (the Task subclass that runs it)")
    try:
        cls = get_class(cfg.task_class)
    except ImportError as exc:
        raise ConfigError(f"task_class '{cfg.task_class}' cannot be imported: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Task)):
        raise ConfigError(f"task_class '{cfg.task_class}' is not a subclass of rl_evolve.tasks.base.Task")
    return cls.variant(cfg)


def _resumed_task(cfg: DictConfig) -> DictConfig:
    """``resume=<run>`` continues the task that run was (its saved ``task_class``), whatever
    ``task=`` today's command line composes."""
    saved = Path(str(cfg.resume)) / ".hydra" / "config.yaml" if cfg.get("resume") else None
    if saved is not None and saved.is_file():
        from omegaconf import OmegaConf

        name = OmegaConf.load(saved).get("task_class")
        if name and name != cfg.get("task_class"):
            cfg.task_class = name
    return cfg


def run_task(cfg: DictConfig, run_dir: Path) -> float | None:
    """Runs the configured task in ``run_dir``; returns its score (what a sweeper optimises)."""
    from rl_evolve.runtime import collect_nothing_at_exit, configure, resolve_device

    collect_nothing_at_exit()  # a launcher's job process does not start from the command line
    cls = task_class(_resumed_task(cfg))
    # Before any torch work, so torch's thread pool is created with these settings.
    configure(cfg.torch_threads, flush_denormal=cls.flush_denormals)
    cfg.device = resolve_device(cfg.device)  # what the run uses, as its summary records it
    return cls(cfg, run_dir)()

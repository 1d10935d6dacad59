"""Dispatch from the composed config's ``task`` to the code that runs it."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig


def check_rl_run(cfg: DictConfig, what: str) -> None:
    """What a curriculum and a deployment check before building anything: no ``resume=`` (only
    train runs continue), then the config, the agent and the transfer settings."""
    from rl_evolve.agents import check_agent_config
    from rl_evolve.config.validate import validate
    from rl_evolve.errors import ConfigError
    from rl_evolve.transfer import check_transfer

    if cfg.resume is not None:
        raise ConfigError(f"resume= continues train runs only; start the {what} again")
    validate(cfg)
    check_agent_config(cfg)
    check_transfer(cfg.transfer)


def run_task(cfg: DictConfig, run_dir: Path) -> float | None:
    """Runs ``cfg.task``; returns the final evaluation return (what a sweeper optimises)."""
    task = str(getattr(cfg.task, "value", cfg.task))
    # Before any torch work, so torch's thread pool is created with these settings.
    from rl_evolve.runtime import collect_nothing_at_exit, configure, resolve_device

    collect_nothing_at_exit()  # a launcher's job process does not start from the command line
    configure(cfg.torch_threads, flush_denormal=task == "supervised")
    cfg.device = resolve_device(cfg.device)  # what the run uses, as its summary records it
    if task == "train" and cfg.get("curriculum") is not None:
        from rl_evolve.curriculum.runner import run_curriculum

        return run_curriculum(cfg, run_dir)
    if task == "train":
        from rl_evolve.train import train

        return train(cfg, run_dir)
    if task == "supervised":
        from rl_evolve.supervised.task import run_supervised

        return run_supervised(cfg, run_dir)
    if task == "evolve":
        from rl_evolve.evolve.task import run_evolve

        return run_evolve(cfg, run_dir)
    if task == "tune":
        from rl_evolve.tune.task import run_tune

        return run_tune(cfg, run_dir)
    if task == "evaluate":
        from rl_evolve.evaluate.task import run_evaluate

        return run_evaluate(cfg, run_dir)
    raise NotImplementedError(task)  # unreachable: the schema's Task enum lists the tasks

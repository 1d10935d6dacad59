"""The run lifecycle, written once: every task is a ``Task`` subclass that fills in what differs.

``Task.__call__`` is the template. It checks the config (before any folder holds more than
Hydra's ``.hydra/``), builds what the run needs, records ``running``, logs HParams, does the work
and collects the results *inside* ``RunRecorder.ending``, so whatever phase raises, the summary
ends in exactly one of ``completed``, ``interrupted``, ``diverged``, ``pruned`` or ``failed``.
Then it closes what was built and prints the run's closing lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from omegaconf import DictConfig

from rl_evolve.core.seeds import Seeds, seed_everything
from rl_evolve.errors import ConfigError
from rl_evolve.tracking.hparams import HParamsWriter
from rl_evolve.tracking.recorder import RunRecorder
from rl_evolve.tracking.run_folder import RunFolder


class Task:
    """One ``task=<name>``; subclasses override the steps below, never ``__call__``."""

    name: ClassVar[str]
    resumable: ClassVar[bool] = False  # whether ``resume=<run>`` may continue one
    flush_denormals: ClassVar[bool] = False  # set before torch's first operation (rl_evolve.runtime)

    @classmethod
    def variant(cls, cfg: DictConfig) -> type[Task]:
        """The class that runs ``cfg`` (``task=train`` with ``curriculum=`` runs a curriculum)."""
        return cls

    def __init__(self, cfg: DictConfig, run_dir: Path):
        self.cfg = cfg
        self.resumed = cfg.get("resume") is not None
        self.folder = RunFolder(run_dir)
        self.seeds = Seeds(int(cfg.seed))
        self.recorder: RunRecorder | None = None

    # -- what a task writes ------------------------------------------------------------------
    def check(self) -> None:
        """Every ``ConfigError`` that can be found before anything is built."""
        if self.resumed and not self.resumable:
            raise ConfigError(
                f"resume= continues train, supervised and evolve runs only; start the {self.name} run again"
            )

    def build(self) -> None:
        """Envs, models, datasets (may still raise ``ConfigError``: no run folder is kept)."""

    def identity(self) -> dict[str, Any]:
        """What the summary records beside task, seed and device: what the run is."""
        return {}

    def hparams(self) -> dict[str, Any]:
        """The run's row in TensorBoard's HParams table."""
        return {"seed": self.cfg.seed}

    def metric_tags(self) -> tuple[str, ...]:
        """Scalar tags the HParams table shows beside the hyperparameters (``final/score`` is
        always one: the lifecycle logs ``score()`` there)."""
        return ()

    def work(self) -> None:
        """Training, deploying, tuning: the run itself."""

    def progress(self) -> dict[str, Any]:
        """How far the run got, recorded when it stops early."""
        return {}

    def results(self) -> dict[str, Any]:
        """The summary's final fields; writes the run's tables and plots."""
        return {}

    def score(self) -> float | None:
        """What a sweeper optimises (and ``final/score`` in TensorBoard)."""
        return None

    def report(self) -> None:
        """The lines printed after the folder's."""

    def close(self) -> None:
        """Releases envs, loggers and files, whether the run completed or not (or its build
        stopped half-way)."""

    @property
    def device(self) -> str:
        return str(self.cfg.device)

    # -- the template ------------------------------------------------------------------------
    def __call__(self) -> float | None:
        self.check()
        seed_everything(self.seeds.train)
        hparams = HParamsWriter(self.folder.tensorboard)
        try:
            self.build()
            recorder = self.recorder = RunRecorder(self.folder, self.resumed)
            with recorder.ending(self.resumable, self.progress):
                recorder.start(self.name, self.cfg.seed, self.device)
                recorder.update(**self.identity())
                if not self.resumed:
                    hparams.start(self.hparams(), ("final/score", *self.metric_tags()))
                self.work()
                fields = self.results()
                score = self.score()
                hparams.score(score)
            recorder.finish(**fields)
        finally:
            hparams.close()
            self.close()
        print(f"run folder: {self.folder.root}")
        self.report()
        return score


class RLTask(Task):
    """A task over an SB3 agent: the config, the agent's settings and (where the task transfers
    weights) the transfer settings are checked before anything is built."""

    uses_transfer: ClassVar[bool] = True
    trains: ClassVar[bool] = True  # False: the task only acts (no budget, no rollout to check)

    def check(self) -> None:
        from rl_evolve.agents import check_agent_config
        from rl_evolve.config.validate import validate
        from rl_evolve.transfer import check_transfer

        super().check()
        validate(self.cfg, self.trains)
        check_agent_config(self.cfg)
        if self.uses_transfer:
            check_transfer(self.cfg.transfer)

    def hparams(self) -> dict[str, Any]:
        """The algorithm's settings, env, budget, replay and the physics changed from the defaults."""
        import torch
        from omegaconf import OmegaConf

        cfg = self.cfg
        algo = OmegaConf.to_container(cfg.algo, resolve=True)
        flat = {f"algo.{k}": v for k, v in algo.items() if k != "extra"}  # type: ignore[union-attr]
        flat.update(
            env=cfg.env.name,
            seed=cfg.seed,
            total_timesteps=cfg.total_timesteps,
            n_envs=cfg.n_envs,
            replay=cfg.replay.name,
            dynamics=cfg.dynamics.name,
            torch_threads=torch.get_num_threads(),
        )
        flat = {k: v for k, v in flat.items() if v is not None}
        from rl_evolve.env_factory import env_settings

        fixed = env_settings(cfg.env)["dynamics"]
        flat.update({f"env.dynamics.{k}": v for k, v in fixed.items() if v is not None})
        return flat

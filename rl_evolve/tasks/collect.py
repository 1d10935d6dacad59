"""``task=collect``: trajectories under changing physics, saved with where they came from.

    rl-evolve task=collect env=cartpole dynamics=random '+dynamics.ranges.length=[0.25,1.5]'

Each episode runs under parameters drawn by the schedule (``dynamics=random``: one draw per
episode); the agent of ``sysid.policy`` acts, or uniformly random actions. The run folder holds
``dataset.npz`` and ``provenance.json`` (env, schedule, policy, seed, episodes, rl_evolve's
revision), which ``task=identify sysid.data=<this run>`` learns from.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from rl_evolve.env_factory import check_env_exists, env_settings, make_env
from rl_evolve.envs.dynamics import flatten, load_spec
from rl_evolve.errors import ConfigError
from rl_evolve.runtime import show_progress_bar
from rl_evolve.sysid.data import collect
from rl_evolve.tasks.base import Task
from rl_evolve.tracking.provenance import git_revision


def randomised(cfg) -> list[str]:
    """The parameters the schedule draws per episode (what an identifier can learn)."""
    ranges = cfg.dynamics.get("ranges") if cfg.dynamics is not None else None
    if not ranges:
        raise ConfigError(
            "task=collect draws the physics per episode: dynamics=random "
            "'+dynamics.ranges.<param>=[low,high]'"
        )
    return list(flatten(OmegaConf.to_container(ranges, resolve=True)))  # type: ignore[arg-type]


class Collect(Task):
    """Collects ``sysid.episodes`` episodes; no score."""

    name = "collect"

    def check(self) -> None:
        super().check()
        cfg = self.cfg
        if cfg.sysid.episodes <= 0:
            raise ConfigError(f"sysid.episodes must be positive, got {cfg.sysid.episodes}")
        self.names = randomised(cfg)
        schedule = OmegaConf.to_container(cfg.dynamics, resolve=True)
        self.settings = {**env_settings(cfg.env), "schedule": schedule}
        check_env_exists(self.settings)
        if not self.settings.get("dynamics_spec"):
            raise ConfigError(f"env={cfg.env.name} has no dynamics_spec: there are no physics to identify")
        load_spec(self.settings["dynamics_spec"]).check(dict.fromkeys(self.names), "dynamics.ranges")

    def build(self) -> None:
        self.env = make_env(self.settings)
        self.act = None
        if self.cfg.sysid.policy:
            self.act = self._policy(Path(self.cfg.sysid.policy))

    def _policy(self, source: Path):
        """The agent of a run folder, acting on this env (its algorithm from the run's config)."""
        from stable_baselines3.common.env_util import make_vec_env

        from rl_evolve.agents import build_agent
        from rl_evolve.tasks.resume import recompose
        from rl_evolve.tracking.run_folder import RunFolder
        from rl_evolve.transfer import load_weights_into

        run_cfg = recompose(source, what="sysid.policy")
        if run_cfg is None:
            raise ConfigError(f"sysid.policy '{source}' must be a run folder (its config names its algo)")
        if RunFolder(source).last_normalization.is_file():
            raise ConfigError(
                f"sysid.policy '{source}' acts through VecNormalize statistics; collect with a "
                f"policy trained without normalize"
            )
        with warnings.catch_warnings():  # SB3's mini-batch advice concerns training, not acting
            warnings.simplefilter("ignore", UserWarning)
            model = build_agent(run_cfg, make_vec_env(lambda: make_env(self.settings), n_envs=1))
        load_weights_into(model, str(source), "sysid.policy", f"env={self.cfg.env.name}")
        deterministic = bool(self.cfg.sysid.deterministic)
        return lambda obs: model.predict(obs, deterministic=deterministic)[0]

    def identity(self) -> dict[str, Any]:
        return {
            "env": self.cfg.env.name,
            "env_id": self.cfg.env.id,
            "parameters": self.names,
            "policy": self.cfg.sysid.policy or "uniform random",
        }

    def hparams(self) -> dict[str, Any]:
        return {"seed": self.cfg.seed, "env": self.cfg.env.name, "episodes": self.cfg.sysid.episodes}

    def work(self) -> None:
        cfg = self.cfg
        self.data = collect(
            self.env,
            self.names,
            cfg.sysid.episodes,
            self.seeds.train,
            self.act,
            show_progress_bar(cfg.progress_bar),
        )
        self.data.provenance = {
            "env": cfg.env.name,
            "env_id": cfg.env.id,
            "seed": cfg.seed,
            "dynamics_spec": self.settings["dynamics_spec"],
            "schedule": OmegaConf.to_container(cfg.dynamics, resolve=True),
            "fixed": OmegaConf.to_container(cfg.env.dynamics, resolve=True),
            "policy": cfg.sysid.policy or "uniform random",
            "deterministic": bool(cfg.sysid.deterministic),
            "git_revision": git_revision(),
        }
        self.data.save(self.folder.root)

    def results(self) -> dict[str, Any]:
        steps = sum(len(r) for r in self.data.rows)
        return {"episodes": len(self.data.rows), "steps": steps, "dataset": "dataset.npz"}

    def report(self) -> None:
        print(f"collected {len(self.data.rows)} episodes: {self.folder.root / 'dataset.npz'}")

    def close(self) -> None:
        if getattr(self, "env", None) is not None:
            self.env.close()

"""``task=evaluate``: a trained agent (``source=<run folder or .zip>``, tensors only) scored on its
env, on other dynamics (``eval.dynamics``), over a grid of them (``eval.grid``), on video."""

from __future__ import annotations

import csv
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict
from stable_baselines3.common.evaluation import evaluate_policy

from rl_evolve.agents import build_agent
from rl_evolve.env_factory import build_vec_env, check_env_exists, eval_settings, normalized
from rl_evolve.envs.dynamics import flatten, load_spec
from rl_evolve.errors import ConfigError
from rl_evolve.evaluate import grid as grid_map
from rl_evolve.evaluate import video
from rl_evolve.evaluate.trained_range import trained_ranges
from rl_evolve.tasks.base import RLTask
from rl_evolve.tasks.resume import recompose
from rl_evolve.tracking.run_folder import RunFolder
from rl_evolve.transfer import load_weights_into


def evaluation_config(cfg: DictConfig, run_cfg: DictConfig | None) -> DictConfig:
    """A run folder brings its own algo, env and replay (the agent is evaluated where it lived);
    this command brings the evaluation settings."""
    if run_cfg is None:
        return cfg
    out = run_cfg.copy()
    with open_dict(out):
        out.task, out.task_class, out.source, out.resume = "evaluate", cfg.task_class, cfg.source, None
        out.eval, out.seed, out.device, out.progress_bar = cfg.eval, cfg.seed, cfg.device, cfg.progress_bar
        out.curriculum = None  # the agent is scored on the env; the stages only mark its training range
    return out


OWN_GROUPS = ("env", "algo", "replay")  # what a run folder brings to its evaluation


def replaced_overrides(cfg: DictConfig, run_cfg: DictConfig) -> list[str]:
    """The command's ``env``/``algo``/``replay`` overrides that a run folder's own config would
    replace without a word (those that agree with the run's are harmless)."""
    if not HydraConfig.initialized():
        return []
    out = []
    for override in HydraConfig.get().overrides.task:
        key = override.lstrip("+~").split("=", 1)[0]
        if key in OWN_GROUPS:  # a group's choice: env=hopper
            key += ".name"
        if key.split(".")[0] in OWN_GROUPS and OmegaConf.select(cfg, key) != OmegaConf.select(run_cfg, key):
            out.append(override)
    return out


def check_grid(cfg: DictConfig, settings: dict) -> dict[str, list[float]]:
    node = OmegaConf.to_container(cfg.eval.grid, resolve=True) if cfg.eval.grid else {}
    grid = {str(k): [float(v) for v in values] for k, values in flatten(node).items()}  # type: ignore[arg-type]
    if not grid:
        return grid
    if not settings.get("dynamics_spec"):
        raise ConfigError(f"env={cfg.env.name} has no dynamics_spec; eval.grid needs physical parameters")
    spec = load_spec(settings["dynamics_spec"])
    for name, values in grid.items():
        if not values:
            raise ConfigError(f"eval.grid.{name} is empty: give the values to try, e.g. [0.5,1,2]")
        for value in values:
            spec.check({name: value}, "eval.grid")
    return grid


class Evaluate(RLTask):
    """Scores the agent; its score is the mean return on the evaluation dynamics."""

    name = "evaluate"
    uses_transfer = False
    trains = False

    def check(self) -> None:
        if not self.cfg.source:
            raise ConfigError("task=evaluate needs source=<run folder or SB3 .zip>")
        self.run_cfg = recompose(Path(self.cfg.source))
        replaced = [] if self.run_cfg is None else replaced_overrides(self.cfg, self.run_cfg)
        if replaced:
            raise ConfigError(
                f"source={self.cfg.source} is evaluated with the env, algo and replay it was trained "
                f"with, so {' '.join(replaced)} would be ignored: change the physics with "
                f"eval.dynamics or eval.grid, or pass source=<run>/checkpoints/last.zip to evaluate "
                f"its weights with this command's env"
            )
        self.cfg = evaluation_config(self.cfg, self.run_cfg)
        super().check()
        self.settings = eval_settings(self.cfg)
        check_env_exists(self.settings)
        self.grid = check_grid(self.cfg, self.settings)
        if self.cfg.eval.video:
            video.check_renders(self.settings)

    def build(self) -> None:
        cfg = self.cfg
        self.env = build_vec_env(self.settings, 1, self.seeds.eval)
        stats = RunFolder(Path(cfg.source)).last_normalization
        self.stats = stats if stats.is_file() else None  # the source's VecNormalize, where it had one
        if self.stats is not None:
            self.env = normalized(self.env, {}, self.stats, training=False)
        with warnings.catch_warnings():  # SB3's mini-batch advice concerns training, not this
            warnings.simplefilter("ignore", UserWarning)
            self.model = build_agent(cfg, self.env)
        load_weights_into(self.model, cfg.source, "source", f"algo={cfg.algo.name} on env={cfg.env.name}")
        self.env.seed(self.seeds.eval)  # SB3 seeded it with the agent's seed when it built the agent
        self.changed = {k: v for k, v in self.settings["dynamics"].items() if v is not None}

    def identity(self) -> dict[str, Any]:
        cfg = self.cfg
        return {
            "source": str(cfg.source),
            "algo": cfg.algo.name,
            "env": cfg.env.name,
            "env_id": cfg.env.id,
            "dynamics": self.changed,
            "deterministic": cfg.eval.deterministic,
        }

    def hparams(self) -> dict[str, Any]:
        return {
            "source": str(self.cfg.source),
            "algo": self.cfg.algo.name,
            "env": self.cfg.env.name,
            "seed": self.cfg.seed,
            **{f"eval.dynamics.{k}": v for k, v in self.changed.items()},
        }

    def work(self) -> None:
        cfg, root = self.cfg, self.folder.root
        self.returns, lengths = evaluate_policy(
            self.model,
            self.env,
            n_eval_episodes=cfg.eval.n_episodes,
            deterministic=cfg.eval.deterministic,
            return_episode_rewards=True,
        )
        with open(root / "episodes.csv", "w", newline="") as f:
            csv.writer(f).writerows(
                [
                    ["episode", "return", "length"],
                    *([i, r, n] for i, (r, n) in enumerate(zip(self.returns, lengths, strict=True))),
                ]
            )
        self.fields: dict[str, Any] = {}
        if self.grid:
            self.fields["grid"] = self._grid()
        if cfg.eval.video:
            files = video.record(
                self.model,
                self.settings,
                root / "videos",
                cfg.eval.video_episodes,
                cfg.eval.deterministic,
                self.seeds.eval,
                self.env.normalize_obs if self.stats is not None else None,
            )
            self.fields["videos"] = [str(p.relative_to(root)) for p in files]

    def results(self) -> dict[str, Any]:
        return {
            "mean_return": self.score(),
            "std_return": float(np.std(self.returns)),
            "n_episodes": len(self.returns),
            **self.fields,
        }

    def score(self) -> float | None:
        return float(np.mean(self.returns))

    def report(self) -> None:
        print(
            f"{self.cfg.env.id} ({self.changed or 'its own dynamics'}): {self.score():.1f} +/- "
            f"{np.std(self.returns):.1f} over {len(self.returns)} episodes"
        )
        for name in ("generalisation.png", "grid.csv", "videos"):
            if (self.folder.root / name).exists():
                print(f"  {self.folder.root / name}")

    def close(self) -> None:
        if getattr(self, "env", None) is not None:
            self.env.close()

    def _grid(self) -> dict[str, Any]:
        cfg, grid, root = self.cfg, self.grid, self.folder.root
        total = int(np.prod([len(v) for v in grid.values()]))
        done = [0]

        def progress(row: dict) -> None:
            done[0] += 1
            values = " ".join(f"{k}={row[k]:g}" for k in grid)
            print(f"grid {done[0]}/{total}: {values}: {row['mean_return']:.1f}", flush=True)

        wrap = partial(normalized, kwargs={}, stats=self.stats, training=False) if self.stats else None
        rows = grid_map.evaluate_grid(
            self.model,
            self.settings,
            grid,
            cfg.eval.n_episodes,
            cfg.eval.deterministic,
            self.seeds.eval,
            progress,
            wrap,
        )
        grid_map.write_csv(rows, root / "grid.csv")
        defaults = load_spec(self.settings["dynamics_spec"]).defaults()
        trained = {k: v for k, v in trained_ranges(self.run_cfg, defaults).items() if k in grid}
        grid_map.plot(
            rows,
            grid,
            trained,
            root / "generalisation.png",
            f"{cfg.env.id}, {cfg.algo.name}: mean return over {cfg.eval.n_episodes} episodes",
        )
        return {
            "parameters": list(grid),
            "cells": len(rows),
            "trained_on": trained,
            "trained_on_known": self.run_cfg is not None,
            "best_cell": max(rows, key=lambda r: r["mean_return"]),
            "worst_cell": min(rows, key=lambda r: r["mean_return"]),
        }

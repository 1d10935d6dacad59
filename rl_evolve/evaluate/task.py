"""The ``evaluate`` task: a trained agent (``source=<run folder or .zip>``, tensors only) scored on
its env, on other dynamics (``eval.dynamics``), over a grid of them (``eval.grid``), on video."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
from hydra import compose
from omegaconf import DictConfig, OmegaConf, open_dict
from stable_baselines3.common.evaluation import evaluate_policy

from rl_evolve.agents import build_agent
from rl_evolve.env_factory import build_vec_env, check_env_exists, eval_settings
from rl_evolve.envs.dynamics import load_spec
from rl_evolve.errors import ConfigError
from rl_evolve.evaluate import grid as grid_map
from rl_evolve.evaluate import video
from rl_evolve.evaluate.trained_range import trained_ranges
from rl_evolve.tasks import check_rl_run
from rl_evolve.tracking.recorder import EVAL_SEED_OFFSET, RunRecorder
from rl_evolve.tracking.run_folder import RunFolder
from rl_evolve.transfer import load_weights_into


def source_config(source: str) -> DictConfig | None:
    """A run folder's config, re-composed from its overrides on today's config tree (as
    ``resume=`` does), so a run saved by an older version still loads; None for a bare .zip."""
    overrides = RunFolder(Path(source)).overrides
    if not overrides.is_file():
        return None
    original = [str(o) for o in OmegaConf.load(overrides) if not str(o).startswith("hydra")]
    try:
        return compose(config_name="config", overrides=original)
    except Exception as exc:  # a key renamed since the run was made
        raise ConfigError(f"source '{source}': its config cannot be re-composed: {exc}") from exc


def evaluation_config(cfg: DictConfig, run_cfg: DictConfig | None) -> DictConfig:
    """A run folder brings its own algo, env and replay (the agent is evaluated where it lived);
    this command brings the evaluation settings."""
    if run_cfg is None:
        return cfg
    out = run_cfg.copy()
    with open_dict(out):
        out.task, out.source, out.resume = "evaluate", cfg.source, None
        out.eval, out.seed, out.device, out.progress_bar = cfg.eval, cfg.seed, cfg.device, cfg.progress_bar
        out.curriculum = None  # the agent is scored on the env; the stages only mark its training range
    return out


def check_grid(cfg: DictConfig, settings: dict) -> dict[str, list[float]]:
    grid = {str(k): [float(v) for v in values] for k, values in (cfg.eval.grid or {}).items()}
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


def _load(cfg: DictConfig, env) -> object:
    with warnings.catch_warnings():  # SB3's mini-batch advice concerns training, not this
        warnings.simplefilter("ignore", UserWarning)
        model = build_agent(cfg, env)
    load_weights_into(model, cfg.source, "source", f"algo={cfg.algo.name} on env={cfg.env.name}")
    return model


def run_evaluate(cfg: DictConfig, run_dir: Path) -> float | None:
    """Scores the agent; returns its mean return on the evaluation dynamics."""
    if not cfg.source:
        raise ConfigError("task=evaluate needs source=<run folder or SB3 .zip>")
    run_cfg = source_config(cfg.source)
    cfg = evaluation_config(cfg, run_cfg)
    check_rl_run(cfg, "evaluation")
    settings = eval_settings(cfg)
    check_env_exists(settings)
    grid = check_grid(cfg, settings)
    if cfg.eval.video:
        video.check_renders(settings)
    seed = cfg.seed + EVAL_SEED_OFFSET
    env = build_vec_env(settings, 1, seed)
    model = _load(cfg, env)
    folder = RunFolder(run_dir)
    changed = {k: v for k, v in (settings.get("dynamics") or {}).items() if v is not None}
    recorder = RunRecorder(folder)
    recorder.start(
        "evaluate",
        cfg.seed,
        cfg.device,
        source=str(cfg.source),
        algo=cfg.algo.name,
        env=cfg.env.name,
        env_id=cfg.env.id,
        dynamics=changed,
        deterministic=cfg.eval.deterministic,
    )
    with recorder.ending(resumable=False):
        returns, lengths = evaluate_policy(
            model,
            env,
            n_eval_episodes=cfg.eval.n_episodes,
            deterministic=cfg.eval.deterministic,
            return_episode_rewards=True,
        )
        with open(folder.root / "episodes.csv", "w", newline="") as f:
            csv.writer(f).writerows(
                [
                    ["episode", "return", "length"],
                    *([i, r, n] for i, (r, n) in enumerate(zip(returns, lengths, strict=True))),
                ]
            )
        fields: dict = {}
        if grid:
            fields["grid"] = _grid(cfg, model, settings, grid, run_cfg, folder.root, seed)
        if cfg.eval.video:
            files = video.record(
                model, settings, folder.root / "videos", cfg.eval.video_episodes, cfg.eval.deterministic, seed
            )
            fields["videos"] = [str(p.relative_to(folder.root)) for p in files]
    mean, std = float(np.mean(returns)), float(np.std(returns))
    recorder.finish(mean_return=mean, std_return=std, n_episodes=len(returns), **fields)
    env.close()
    print(f"run folder: {folder.root}")
    print(
        f"{cfg.env.id} ({changed or 'its own dynamics'}): {mean:.1f} +/- {std:.1f} "
        f"over {len(returns)} episodes"
    )
    for name in ("generalisation.png", "grid.csv", "videos"):
        if (folder.root / name).exists():
            print(f"  {folder.root / name}")
    return mean


def _grid(
    cfg: DictConfig,
    model,
    settings: dict,
    grid: dict[str, list[float]],
    run_cfg: DictConfig | None,
    root: Path,
    seed: int,
) -> dict:
    total = int(np.prod([len(v) for v in grid.values()]))
    done = [0]

    def progress(row: dict) -> None:
        done[0] += 1
        values = " ".join(f"{k}={row[k]:g}" for k in grid)
        print(f"grid {done[0]}/{total}: {values}: {row['mean_return']:.1f}", flush=True)

    rows = grid_map.evaluate_grid(
        model, settings, grid, cfg.eval.n_episodes, cfg.eval.deterministic, seed, progress
    )
    grid_map.write_csv(rows, root / "grid.csv")
    defaults = load_spec(settings["dynamics_spec"]).defaults()
    trained = {k: v for k, v in trained_ranges(run_cfg, defaults).items() if k in grid}
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
        "trained_on_known": run_cfg is not None,
        "best_cell": max(rows, key=lambda r: r["mean_return"]),
        "worst_cell": min(rows, key=lambda r: r["mean_return"]),
    }

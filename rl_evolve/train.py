"""The ``train`` task: one SB3 agent on one env, from config to run folder."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, EvalCallback
from stable_baselines3.common.evaluation import evaluate_policy

from rl_evolve.agents import build_agent, check_agent_config, load_agent, replay_variant
from rl_evolve.config.validate import validate
from rl_evolve.core.penalties import QuadraticPenalty
from rl_evolve.env_factory import (
    build_vec_env,
    check_env_exists,
    check_in_process,
    eval_settings,
    restore_dynamics_clocks,
    save_dynamics_clocks,
    train_settings,
)
from rl_evolve.errors import ConfigError, Diverged, RunInterrupted
from rl_evolve.resume import resume_config
from rl_evolve.runtime import show_progress_bar
from rl_evolve.tracking.callbacks import (
    DivergenceCallback,
    DynamicsLogCallback,
    HParamsCallback,
    LastCheckpointCallback,
    StopOnInterrupt,
    WholeFilesEvalCallback,
)
from rl_evolve.tracking.recorder import EVAL_SEED_OFFSET, RunRecorder
from rl_evolve.tracking.run_folder import RunFolder, written_together
from rl_evolve.transfer import PenaltyLogCallback, check_transfer, load_source, transfer_into


def _hparams(cfg: DictConfig) -> dict[str, Any]:
    algo = OmegaConf.to_container(cfg.algo, resolve=True)
    flat = {f"algo.{k}": v for k, v in algo.items() if k != "extra"}  # type: ignore[union-attr]
    flat.update(env=cfg.env.name, seed=cfg.seed, total_timesteps=cfg.total_timesteps,
                n_envs=cfg.n_envs, replay=cfg.replay.name, dynamics=cfg.dynamics.name,
                torch_threads=torch.get_num_threads())
    for name, value in cfg.env.dynamics.items():
        if value is not None:
            flat[f"env.dynamics.{name}"] = value
    return flat


def _eval_callback(cfg: DictConfig, folder: RunFolder, eval_env, resumed: bool,
                   after_eval: BaseCallback | None = None) -> EvalCallback:
    callback = WholeFilesEvalCallback(
        eval_env,
        callback_after_eval=after_eval,
        n_eval_episodes=cfg.eval.n_episodes,
        eval_freq=max(cfg.eval.freq // cfg.n_envs, 1),
        deterministic=cfg.eval.deterministic,
        best_model_save_path=str(folder.checkpoints),
        log_path=str(folder.root),
        verbose=1,
    )
    if resumed and folder.evaluations.is_file():
        # Keep the evaluations from before the interruption (EvalCallback rewrites the file).
        old = np.load(folder.evaluations)
        callback.evaluations_timesteps = list(old["timesteps"])
        callback.evaluations_results = [list(r) for r in old["results"]]
        callback.evaluations_length = [list(r) for r in old["ep_lengths"]]
        callback.best_mean_reward = float(np.max(np.mean(old["results"], axis=1)))
    return callback


def _best_eval(callback: EvalCallback) -> dict[str, float] | None:
    if not callback.evaluations_results:
        return None
    means = [float(np.mean(r)) for r in callback.evaluations_results]
    i = int(np.argmax(means))
    return {"mean": means[i], "std": float(np.std(callback.evaluations_results[i])),
            "timestep": int(callback.evaluations_timesteps[i])}


def save_rolling_checkpoint(model: BaseAlgorithm, folder: RunFolder, with_buffer: bool) -> None:
    """The rolling checkpoint (model, schedule clocks, replay buffer), renamed into place together
    once all are written: a kill at any moment leaves the previous checkpoint whole."""
    folder.checkpoints.mkdir(parents=True, exist_ok=True)
    with written_together(folder.last_model, folder.last_dynamics_clock,
                          folder.last_replay_buffer) as (model_file, clock_file, buffer_file):
        model.save(model_file)
        save_dynamics_clocks(model.get_env(), clock_file)
        if with_buffer and getattr(model, "replay_buffer", None) is not None:
            model.save_replay_buffer(buffer_file)  # type: ignore[attr-defined]


def _transfer_from_source(cfg: DictConfig, model: BaseAlgorithm) -> QuadraticPenalty | None:
    """``transfer.source=<run or .zip>``: start from pretrained weights (and penalise drift)."""
    if not cfg.transfer.source:
        return None
    return transfer_into(model, load_source(cfg.transfer.source), cfg.transfer)[1]


def _run_folder(cfg: DictConfig, run_dir: Path) -> tuple[DictConfig, RunFolder]:
    """A fresh run's folder, or for ``resume=`` the run's own config and folder (refused when
    there is nothing to continue)."""
    if cfg.resume is None:
        return cfg, RunFolder(run_dir)
    cfg, folder = resume_config(cfg)
    if not folder.last_model.is_file():
        raise ConfigError(f"resume='{cfg.resume}' has no checkpoints/last.zip to continue from")
    done = folder.read_summary()
    if done.get("status") == "completed" and done.get("timesteps", 0) >= cfg.total_timesteps:
        raise ConfigError(f"resume='{cfg.resume}' completed its {done['timesteps']} steps; nothing "
                          f"to continue (total_timesteps=<more> trains it further)")
    return cfg, folder


def _agent(cfg: DictConfig, folder: RunFolder, env, resumed: bool) -> tuple[BaseAlgorithm, Any]:
    """The agent (resumed from the last checkpoint, or new and maybe transferred) and its penalty."""
    if not resumed:
        model = build_agent(cfg, env)
        return model, _transfer_from_source(cfg, model)
    model = load_agent(replay_variant(cfg)[0], folder.last_model, env, cfg.device)
    if folder.last_replay_buffer.is_file() and hasattr(model, "load_replay_buffer"):
        model.load_replay_buffer(folder.last_replay_buffer)
    restore_dynamics_clocks(env, folder.last_dynamics_clock)
    return model, None


def _callbacks(cfg: DictConfig, folder: RunFolder, eval_callback: EvalCallback, penalty,
               resumed: bool, has_dynamics: bool) -> list:
    callbacks = [
        DivergenceCallback(),
        eval_callback,
        LastCheckpointCallback(max(cfg.checkpoint.freq // cfg.n_envs, 1),
                               save=partial(save_rolling_checkpoint, folder=folder,
                                            with_buffer=cfg.checkpoint.save_replay_buffer)),
    ]
    if has_dynamics:
        callbacks.append(DynamicsLogCallback())
    if not resumed:
        callbacks.append(HParamsCallback(_hparams(cfg)))
    if penalty is not None:
        callbacks.append(PenaltyLogCallback(penalty))
    return callbacks


def _learn(model: BaseAlgorithm, cfg: DictConfig, callbacks: list, resumed: bool) -> bool:
    """SB3's ``learn`` up to ``total_timesteps``; True when Ctrl-C stopped it."""
    stop = StopOnInterrupt()
    try:
        model.learn(total_timesteps=max(cfg.total_timesteps - model.num_timesteps, 0),
                    callback=CallbackList([stop, *callbacks]),
                    progress_bar=show_progress_bar(cfg.progress_bar), reset_num_timesteps=not resumed)
    except KeyboardInterrupt:  # a second Ctrl-C
        return True
    except ValueError as exc:
        if "found invalid values" not in str(exc):  # a distribution built from NaN or inf outputs
            raise
        raise Diverged(f"the policy's outputs are not finite at step {model.num_timesteps}") from exc
    return stop.requested


def train(cfg: DictConfig, run_dir: Path, after_eval: BaseCallback | None = None) -> float | None:
    """Trains, evaluates and checkpoints one agent; returns the final mean evaluation return.

    With ``cfg.resume`` set, continues that run folder from its last checkpoint instead.
    ``after_eval`` runs after every periodic evaluation (SB3's ``callback_after_eval``; a tuning
    trial reports to its pruner there).
    """
    resumed = cfg.resume is not None
    cfg, folder = _run_folder(cfg, run_dir)
    validate(cfg)
    check_agent_config(cfg)
    check_transfer(cfg.transfer)
    settings = train_settings(cfg)
    check_env_exists(settings)
    # Built in this process first, so a bad parameter or schedule fails with its own message.
    eval_env = build_vec_env(eval_settings(cfg), 1, cfg.seed + EVAL_SEED_OFFSET)
    if cfg.vec_env.value == "subproc":
        check_in_process(settings)
    env = build_vec_env(settings, cfg.n_envs, cfg.seed, str(cfg.vec_env.value), cfg.torch_threads)
    model, penalty = _agent(cfg, folder, env, resumed)

    recorder = RunRecorder(folder, resumed)
    recorder.start("train", cfg.seed, str(model.device), algo=cfg.algo.name, env=cfg.env.name,
                   env_id=cfg.env.id, total_timesteps=cfg.total_timesteps, n_envs=cfg.n_envs)
    model.set_logger(recorder.logger())
    eval_callback = _eval_callback(cfg, folder, eval_env, resumed, after_eval)
    callbacks = _callbacks(cfg, folder, eval_callback, penalty, resumed,
                           bool(settings.get("dynamics_spec")))

    steps_before, start = model.num_timesteps, time.perf_counter()
    try:
        with recorder.ending(progress=lambda: {"timesteps": int(model.num_timesteps),
                                               "best_eval": _best_eval(eval_callback)}):
            interrupted = _learn(model, cfg, callbacks, resumed)
            wall = time.perf_counter() - start
            save_rolling_checkpoint(model, folder, cfg.checkpoint.save_replay_buffer)
            if interrupted:
                raise RunInterrupted(folder.root)
            mean, std = evaluate_policy(model, eval_env, n_eval_episodes=cfg.eval.n_episodes,
                                        deterministic=cfg.eval.deterministic)
        model.logger.record("eval/final_mean_reward", float(mean))
        model.logger.dump(model.num_timesteps)
        recorder.finish(timesteps=int(model.num_timesteps),
                        final_eval={"mean": float(mean), "std": float(std),
                                    "n_episodes": cfg.eval.n_episodes},
                        best_eval=_best_eval(eval_callback),
                        fps=round((model.num_timesteps - steps_before) / max(wall, 1e-9), 1))
    finally:
        env.close()
        eval_env.close()
        model.logger.close()
    print(f"run folder: {folder.root}")
    print(f"final evaluation: {mean:.1f} +/- {std:.1f} over {cfg.eval.n_episodes} episodes")
    print(f"look at it: tensorboard --logdir {folder.root.parent}")
    return float(mean)

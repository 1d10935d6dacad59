"""``task=train``: one SB3 agent on one env, trained, evaluated and checkpointed."""

from __future__ import annotations

import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, EvalCallback
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.vec_env import sync_envs_normalization

from rl_evolve.agents import build_agent, load_agent, replay_variant
from rl_evolve.env_factory import (
    build_vec_env,
    check_env_exists,
    check_in_process,
    eval_settings,
    normalize_kwargs,
    normalized,
    restore_dynamics_clocks,
    save_dynamics_clocks,
    train_settings,
)
from rl_evolve.errors import Diverged, RunInterrupted
from rl_evolve.runtime import show_progress_bar
from rl_evolve.tasks.base import RLTask
from rl_evolve.tasks.resume import continued
from rl_evolve.tracking.callbacks import (
    DivergenceCallback,
    DynamicsLogCallback,
    LastCheckpointCallback,
    SaveNormalization,
    StopOnInterrupt,
    WholeFilesEvalCallback,
    check_finite_weights,
)
from rl_evolve.tracking.run_folder import RunFolder, written_together
from rl_evolve.transfer import PenaltyLogCallback, load_source, transfer_into


def save_rolling_checkpoint(model: BaseAlgorithm, folder: RunFolder, with_buffer: bool) -> None:
    """The rolling checkpoint (model, schedule clocks, replay buffer), renamed into place together
    once all are written: a kill at any moment leaves the previous checkpoint whole."""
    folder.checkpoints.mkdir(parents=True, exist_ok=True)
    with written_together(
        folder.last_model, folder.last_dynamics_clock, folder.last_replay_buffer, folder.last_normalization
    ) as (model_file, clock_file, buffer_file, stats_file):
        model.save(model_file)
        save_dynamics_clocks(model.get_env(), clock_file)
        if with_buffer and getattr(model, "replay_buffer", None) is not None:
            model.save_replay_buffer(buffer_file)  # type: ignore[attr-defined]
        if model.get_vec_normalize_env() is not None:
            model.get_vec_normalize_env().save(str(stats_file))  # type: ignore[union-attr]


def _best_eval(callback: EvalCallback | None) -> dict[str, float] | None:
    if callback is None or not callback.evaluations_results:
        return None
    means = [float(np.mean(r)) for r in callback.evaluations_results]
    i = int(np.argmax(means))
    return {
        "mean": means[i],
        "std": float(np.std(callback.evaluations_results[i])),
        "timestep": int(callback.evaluations_timesteps[i]),
    }


class Train(RLTask):
    """Trains one agent to ``total_timesteps``; ``resume=<run>`` continues one from its last
    checkpoint. ``after_eval`` runs after every periodic evaluation (SB3's
    ``callback_after_eval``: a tuning trial reports to its pruner there)."""

    name = "train"
    resumable = True

    def __init__(self, cfg: DictConfig, run_dir: Path, after_eval: BaseCallback | None = None):
        super().__init__(cfg, run_dir)
        self.after_eval = after_eval
        self.eval_callback: EvalCallback | None = None
        self.model: BaseAlgorithm | None = None
        self.env = self.eval_env = None
        self.final: tuple[float, float] | None = None
        self.logger: Logger | None = None

    @classmethod
    def variant(cls, cfg: DictConfig) -> type[RLTask]:
        if cfg.get("curriculum") is not None:
            from rl_evolve.tasks.curriculum import Curriculum

            return Curriculum
        return cls

    def check(self) -> None:
        if self.resumed:
            self.cfg, self.folder = continued(self.cfg, "last.zip", steps=True)
        super().check()
        self.settings = train_settings(self.cfg)
        check_env_exists(self.settings)

    def build(self) -> None:
        cfg = self.cfg
        # Built in this process first, so a bad parameter or schedule fails with its own message.
        self.eval_env = build_vec_env(eval_settings(cfg), 1, self.seeds.eval)
        if cfg.vec_env.value == "subproc":
            check_in_process(self.settings)
        self.env = build_vec_env(
            self.settings, cfg.n_envs, self.seeds.train, str(cfg.vec_env.value), cfg.torch_threads
        )
        self.norm = norm = normalize_kwargs(cfg)
        if norm is not None:  # the statistics go on from the run resumed, or from the source run
            source = RunFolder(Path(cfg.transfer.source)).last_normalization if cfg.transfer.source else None
            stats = self.folder.last_normalization if self.resumed else source
            self.env = normalized(self.env, norm, stats if stats and stats.is_file() else None)
            self.eval_env = normalized(self.eval_env, norm, training=False)
        if self.resumed:
            self.model = load_agent(replay_variant(cfg)[0], self.folder.last_model, self.env, cfg.device)
            if self.folder.last_replay_buffer.is_file() and hasattr(self.model, "load_replay_buffer"):
                self.model.load_replay_buffer(self.folder.last_replay_buffer)
            restore_dynamics_clocks(self.env, self.folder.last_dynamics_clock)
            self.penalty = None
        else:
            self.model = build_agent(cfg, self.env)
            self.penalty = (
                transfer_into(self.model, load_source(cfg.transfer.source), cfg.transfer)[1]
                if cfg.transfer.source
                else None
            )

    def identity(self) -> dict[str, Any]:
        cfg = self.cfg
        return {
            "algo": cfg.algo.name,
            "env": cfg.env.name,
            "env_id": cfg.env.id,
            "total_timesteps": cfg.total_timesteps,
            "n_envs": cfg.n_envs,
        }

    def metric_tags(self) -> tuple[str, ...]:
        return ("eval/mean_reward", "rollout/ep_rew_mean")

    def _eval_callback(self) -> EvalCallback:
        cfg, folder = self.cfg, self.folder
        on_best = SaveNormalization(folder.best_normalization) if self.norm is not None else None
        callback = WholeFilesEvalCallback(
            self.eval_env,
            callback_on_new_best=on_best,
            callback_after_eval=self.after_eval,
            n_eval_episodes=cfg.eval.n_episodes,
            eval_freq=max(cfg.eval.freq // cfg.n_envs, 1),
            deterministic=cfg.eval.deterministic,
            best_model_save_path=str(folder.checkpoints),
            log_path=str(folder.root),
            verbose=1,
        )
        if self.resumed and folder.evaluations.is_file():
            # Keep the evaluations from before the interruption (EvalCallback rewrites the file).
            old = np.load(folder.evaluations)
            callback.evaluations_timesteps = list(old["timesteps"])
            callback.evaluations_results = [list(r) for r in old["results"]]
            callback.evaluations_length = [list(r) for r in old["ep_lengths"]]
            callback.best_mean_reward = float(np.max(np.mean(old["results"], axis=1)))
        return callback

    def _callbacks(self) -> list[BaseCallback]:
        cfg = self.cfg
        callbacks: list[BaseCallback] = [
            DivergenceCallback(),
            self.eval_callback,  # type: ignore[list-item]
            LastCheckpointCallback(
                max(cfg.checkpoint.freq // cfg.n_envs, 1),
                save=partial(
                    save_rolling_checkpoint, folder=self.folder, with_buffer=cfg.checkpoint.save_replay_buffer
                ),
            ),
        ]
        if self.settings.get("dynamics_spec"):
            callbacks.append(DynamicsLogCallback())
        if self.penalty is not None:
            callbacks.append(PenaltyLogCallback(self.penalty))
        return callbacks

    def _learn(self, callbacks: list[BaseCallback]) -> bool:
        """SB3's ``learn`` up to ``total_timesteps``; True when Ctrl-C stopped it."""
        model, stop = self.model, StopOnInterrupt()
        assert model is not None
        try:
            with warnings.catch_warnings():  # evaluation runs in this process on purpose (subproc)
                warnings.filterwarnings("ignore", "Training and eval env are not of the same type")
                model.learn(
                    total_timesteps=max(self.cfg.total_timesteps - model.num_timesteps, 0),
                    callback=CallbackList([stop, *callbacks]),
                    progress_bar=show_progress_bar(self.cfg.progress_bar),
                    reset_num_timesteps=not self.resumed,
                )
        except KeyboardInterrupt:  # a second Ctrl-C
            return True
        except ValueError as exc:
            if "found invalid values" not in str(exc):  # a distribution built from NaN or inf outputs
                raise
            raise Diverged(f"the policy's outputs are not finite at step {model.num_timesteps}") from exc
        return stop.requested

    def work(self) -> None:
        model, cfg = self.model, self.cfg
        assert model is not None and self.recorder is not None
        self.logger = self.recorder.logger()
        model.set_logger(self.logger)
        self.eval_callback = self._eval_callback()
        steps_before, start = model.num_timesteps, time.perf_counter()
        interrupted = self._learn(self._callbacks())
        self.fps = round((model.num_timesteps - steps_before) / max(time.perf_counter() - start, 1e-9), 1)
        check_finite_weights(model)  # the last update came after the callbacks' last look
        save_rolling_checkpoint(model, self.folder, cfg.checkpoint.save_replay_buffer)
        if interrupted:
            raise RunInterrupted(self.folder.root)
        if model.get_vec_normalize_env() is not None:
            sync_envs_normalization(model.get_env(), self.eval_env)
        mean, std = evaluate_policy(
            model, self.eval_env, n_eval_episodes=cfg.eval.n_episodes, deterministic=cfg.eval.deterministic
        )
        self.final = float(mean), float(std)

    def progress(self) -> dict[str, Any]:
        return {
            "timesteps": int(self.model.num_timesteps) if self.model else 0,
            "best_eval": _best_eval(self.eval_callback),
        }

    def results(self) -> dict[str, Any]:
        model, (mean, std) = self.model, self.final  # type: ignore[misc]
        assert model is not None
        model.logger.record("eval/final_mean_reward", mean)
        model.logger.dump(model.num_timesteps)
        return {
            "timesteps": int(model.num_timesteps),
            "best_eval": _best_eval(self.eval_callback),
            "final_eval": {"mean": mean, "std": std, "n_episodes": self.cfg.eval.n_episodes},
            "fps": self.fps,
        }

    def score(self) -> float | None:
        return self.final[0] if self.final else None

    def report(self) -> None:
        mean, std = self.final  # type: ignore[misc]
        print(f"final evaluation: {mean:.1f} +/- {std:.1f} over {self.cfg.eval.n_episodes} episodes")
        print(f"look at it: tensorboard --logdir {self.folder.root.parent}")

    def close(self) -> None:
        for env in (self.env, self.eval_env):
            if env is not None:
                env.close()
        if self.logger is not None:
            self.logger.close()

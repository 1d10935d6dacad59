"""SB3 callbacks every RL run uses: a rolling checkpoint, whole evaluation files, the physics on
TensorBoard, a clean stop on Ctrl-C, and a stop on NaN."""

from __future__ import annotations

import math
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, EvalCallback

from rl_evolve.errors import Diverged
from rl_evolve.tracking.run_folder import written_together


class LastCheckpointCallback(BaseCallback):
    """Calls ``save(model)`` (which writes the run's rolling checkpoint) every ``save_freq`` calls.

    Not SB3's ``CheckpointCallback``: that writes the zip in place, so ``kill -9`` mid-write leaves
    a truncated ``last.zip`` where the last good checkpoint was; ``save`` writes under temporary
    names and renames (``written_together``)."""

    def __init__(self, save_freq: int, save: Callable[[BaseAlgorithm], None]):
        super().__init__()
        self.save_freq = save_freq
        self.save = save

    def _on_step(self) -> bool:
        if self.n_calls % self.save_freq == 0:
            check_finite_weights(self.model)
            self.save(self.model)
        return True


class WholeFilesEvalCallback(EvalCallback):
    """SB3's ``EvalCallback``, writing ``evaluations.npz`` and ``best_model.zip`` into a staging
    folder and renaming them into place after each evaluation: ``kill -9`` mid-write never leaves
    either one truncated (a resumed run reads the evaluations back)."""

    def __init__(self, *args: Any, log_path: str, best_model_save_path: str, **kwargs: Any):
        super().__init__(*args, log_path=log_path, best_model_save_path=best_model_save_path, **kwargs)
        self.staging = Path(best_model_save_path) / ".eval_staging"
        self.into_place = {
            self.staging / "evaluations.npz": Path(log_path) / "evaluations.npz",
            self.staging / "best_model.zip": Path(best_model_save_path) / "best_model.zip",
        }
        self.log_path = str(self.staging / "evaluations")  # SB3 adds ".npz" and "best_model.zip"
        self.best_model_save_path = str(self.staging)

    def _on_step(self) -> bool:
        evaluated = self.eval_freq > 0 and self.n_calls % self.eval_freq == 0
        if evaluated:
            check_finite_weights(self.model)  # a new best would be written from these weights
        try:
            keep_going = super()._on_step()
        except BaseException:  # e.g. a pruner stopping the trial after this evaluation
            self._move_into_place()
            self._remove_empty_staging()
            raise
        if evaluated:
            self._move_into_place()
        return keep_going

    def _move_into_place(self) -> None:
        for staged, final in self.into_place.items():
            if staged.exists():
                os.replace(staged, final)

    def _remove_empty_staging(self) -> None:
        if self.staging.is_dir() and not any(self.staging.iterdir()):
            self.staging.rmdir()

    def _on_training_end(self) -> None:
        self._remove_empty_staging()


class SaveNormalization(BaseCallback):
    """``EvalCallback``'s ``callback_on_new_best``: the training env's ``VecNormalize``
    statistics beside the new best model, written under a temporary name and renamed."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def _on_step(self) -> bool:
        stats = self.model.get_vec_normalize_env()
        if stats is not None:
            with written_together(self.path) as (staged,):
                stats.save(str(staged))
        return True


class DynamicsLogCallback(BaseCallback):
    """Logs ``dynamics/<param>`` (mean over the env copies) after every rollout.

    Reads the wrappers' ``current_dynamics`` through ``VecEnv.get_attr``, so it works in
    DummyVecEnv and SubprocVecEnv alike; SB3's logger puts it on the run's step axis.
    """

    def _on_rollout_end(self) -> None:
        per_env = self.training_env.get_attr("current_dynamics")
        for name in per_env[0]:
            self.logger.record(f"dynamics/{name}", sum(d[name] for d in per_env) / len(per_env))

    def _on_step(self) -> bool:
        return True


class StopOnInterrupt(BaseCallback):
    """Ctrl-C (SIGINT) asks training to stop at the next step instead of raising mid-step.

    A KeyboardInterrupt raised inside a checkpoint write leaves a corrupt file; this callback
    lets the step finish and returns False, which is SB3's way to end ``learn`` cleanly. A second
    Ctrl-C raises KeyboardInterrupt at once.
    """

    def __init__(self) -> None:
        super().__init__()
        self.requested = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def _on_training_start(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)

    def _on_training_end(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _on_step(self) -> bool:
        return not self.requested


def check_finite_weights(model: BaseAlgorithm) -> None:
    """``Diverged`` when a policy weight is NaN or infinite."""
    for name, tensor in model.policy.state_dict().items():
        if not torch.isfinite(tensor).all():
            raise Diverged(f"policy weight '{name}' is not finite at step {model.num_timesteps}")


class DivergenceCallback(BaseCallback):
    """Stops training when the last update's loss is NaN or infinite, before the next rollout
    steps, and when a policy weight is, every ``weight_check_steps`` steps; the checkpoint and
    evaluation callbacks check the weights themselves before they write (so none writes broken
    weights over good ones). Scanning every weight at every rollout would cost an off-policy
    agent that trains every step a third of its speed (TD3's four 400x300 networks)."""

    def __init__(self, weight_check_steps: int = 1000):
        super().__init__()
        self.weight_check_steps = weight_check_steps
        self._checked_at: int | None = None

    def _on_rollout_start(self) -> None:
        for key, value in self.logger.name_to_value.items():
            if key.startswith("train/") and key.endswith("loss") and not math.isfinite(float(value)):
                raise Diverged(f"{key} is {value} at step {self.num_timesteps}")
        if self._checked_at is None or self.num_timesteps - self._checked_at >= self.weight_check_steps:
            check_finite_weights(self.model)
            self._checked_at = self.num_timesteps

    def _on_step(self) -> bool:
        return True
